"""The history is hash-chained from day one: any edit, deletion or reordering is detectable."""

from __future__ import annotations

import pytest
from sqlalchemy import delete, select, update

from app.bootstrap import Services
from app.runtime.events import history
from storage.models import HistoryEvent, UserTask
from tests.conftest import APPROVER, EXECUTOR, deploy, tampering


@pytest.fixture
def finished(backend_services: Services) -> int:
    services = backend_services
    deploy(services, "approval.bpmn")
    instance_id = services.runtime.start("approval", {"work_order": "5", "segment": "S"}, EXECUTOR)
    with services.db.reading() as session:
        task_id = session.execute(select(UserTask.id)).scalar_one()
    services.runtime.complete_task(task_id, {"decision": "approve"}, APPROVER)
    return instance_id


def verify(services: Services, stream: str) -> list[str]:
    with services.db.reading() as session:
        return history.verify_stream(session, stream)


def test_an_untouched_chain_verifies(backend_services: Services, finished: int) -> None:
    assert verify(backend_services, history.instance_stream(finished)) == []
    assert verify(backend_services, "deployments") == []


def test_an_edited_event_is_detected(backend_services: Services, finished: int) -> None:
    with tampering(backend_services) as session:
        session.execute(update(HistoryEvent).where(HistoryEvent.type == "task.completed")
                        .values(data={"data": {"decision": "reject"}}))
    [problem] = verify(backend_services, history.instance_stream(finished))
    assert "content does not match its hash" in problem


def test_a_deleted_event_is_detected(backend_services: Services, finished: int) -> None:
    with tampering(backend_services) as session:
        session.execute(delete(HistoryEvent).where(HistoryEvent.type == "task.completed"))
    problems = verify(backend_services, history.instance_stream(finished))
    assert any("missing" in p for p in problems) and any("link broken" in p for p in problems)


def test_reordered_events_are_detected(backend_services: Services, finished: int) -> None:
    stream = history.instance_stream(finished)
    with tampering(backend_services) as session:
        session.execute(update(HistoryEvent).where(HistoryEvent.stream == stream, HistoryEvent.seq == 2)
                        .values(seq=-2))
        session.execute(update(HistoryEvent).where(HistoryEvent.stream == stream, HistoryEvent.seq == 3)
                        .values(seq=2))
        session.execute(update(HistoryEvent).where(HistoryEvent.stream == stream, HistoryEvent.seq == -2)
                        .values(seq=3))
    assert verify(backend_services, stream) != []


def test_a_truncated_tail_is_detected(backend_services: Services, finished: int) -> None:
    stream = history.instance_stream(finished)
    with tampering(backend_services) as session:
        last = session.execute(select(HistoryEvent.seq).where(HistoryEvent.stream == stream)
                               .order_by(HistoryEvent.seq.desc()).limit(1)).scalar_one()
        session.execute(delete(HistoryEvent).where(HistoryEvent.stream == stream, HistoryEvent.seq == last))
    [problem] = verify(backend_services, stream)
    assert "head says" in problem
