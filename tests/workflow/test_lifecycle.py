"""Terminate, suspend and resume, each with a reason recorded in the history."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from sqlalchemy import select

from app.bootstrap import Services
from app.runtime.actors import Actor
from app.runtime.errors import Conflict, NotFound, RuntimeActionError
from storage.models import HistoryEvent, UserTask, WaitingMessage
from tests.conftest import APPROVER, EXECUTOR, SYSADMIN, deploy
from tests.lookups import instance_row as row

HEADEND = Actor.system("headend")


def last_event(services: Services, instance_id: int) -> HistoryEvent:
    with services.db.reading() as session:
        return session.execute(select(HistoryEvent).where(HistoryEvent.instance_id == instance_id)
                               .order_by(HistoryEvent.seq.desc()).limit(1)).scalar_one()


def test_terminate_with_reason_closes_the_tasks_and_records_who_and_why(services: Services) -> None:
    deploy(services, "approval.bpmn")
    instance_id = services.runtime.start("approval", {"work_order": "7", "segment": "S"}, EXECUTOR)
    with services.db.reading() as session:
        task_id = session.execute(select(UserTask.id)).scalar_one()

    services.runtime.terminate(instance_id, "customer paid in full", SYSADMIN)

    terminated = row(services, instance_id)
    assert (terminated.status, terminated.status_reason, terminated.next_wake_at) == (
        "terminated", "customer paid in full", None)
    event = last_event(services, instance_id)
    assert (event.type, event.actor, event.data["reason"]) == ("instance.terminated", "sam", "customer paid in full")
    with services.db.reading() as session:
        assert session.execute(select(UserTask)).first() is None
        cancelled = session.execute(select(HistoryEvent.element_id).where(
            HistoryEvent.type == "element.cancelled")).scalars().all()
    assert "review" in cancelled
    with pytest.raises(NotFound):
        services.runtime.complete_task(task_id, {"decision": "approve"}, APPROVER)
    with pytest.raises(Conflict, match="terminated"):
        services.runtime.terminate(instance_id, "again", SYSADMIN)


def test_terminate_needs_a_reason(services: Services) -> None:
    deploy(services, "timer_wait.bpmn")
    instance_id = services.runtime.start("timer_wait", {}, EXECUTOR)
    with pytest.raises(RuntimeActionError, match="reason"):
        services.runtime.terminate(instance_id, "  ", SYSADMIN)
    assert row(services, instance_id).status == "running"


def test_a_suspended_instance_sleeps_through_its_timer_and_runs_on_when_resumed(
    services: Services, clock: time_machine.Coordinates
) -> None:
    deploy(services, "timer_wait.bpmn")
    instance_id = services.runtime.start("timer_wait", {}, EXECUTOR)
    services.runtime.suspend(instance_id, "meter under investigation", SYSADMIN)
    clock.shift(timedelta(hours=3))
    assert services.runtime.wake_due() == 0
    assert row(services, instance_id).status == "suspended"

    services.runtime.resume(instance_id, "investigation closed", SYSADMIN)

    assert row(services, instance_id).status == "completed"
    with services.db.reading() as session:
        kinds = session.execute(select(HistoryEvent.type).where(HistoryEvent.instance_id == instance_id)
                                .order_by(HistoryEvent.seq)).scalars().all()
    assert kinds.index("instance.suspended") < kinds.index("instance.resumed") < kinds.index("timer.fired")


def test_a_message_for_a_suspended_instance_waits_until_it_resumes(
    services: Services, clock: time_machine.Coordinates
) -> None:
    deploy(services, "await_result.bpmn")
    instance_id = services.runtime.start("await_result", {"target": "M1", "result_timeout": "PT30M"}, EXECUTOR)
    services.runtime.suspend(instance_id, "hold", SYSADMIN)
    delivery = services.runtime.deliver_message("command_result", f"CMD-{instance_id}-M1", {"ok": True}, HEADEND)
    assert delivery.outcome == "stored"
    with services.db.reading() as session:
        assert session.execute(select(WaitingMessage.instance_id)).scalar_one() == instance_id
    services.runtime.resume(instance_id, "go on", SYSADMIN)
    assert row(services, instance_id).result == {"ok": True}


def test_only_a_suspended_instance_can_be_resumed(services: Services) -> None:
    deploy(services, "timer_wait.bpmn")
    instance_id = services.runtime.start("timer_wait", {}, EXECUTOR)
    with pytest.raises(Conflict, match="running"):
        services.runtime.resume(instance_id, "why", SYSADMIN)
