"""The outbox: effects are sent after commit with the row's idempotency key, retried with backoff."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from sqlalchemy import select

from app.bootstrap import Services
from storage.models import OutboxMessage, UserTask
from tests.conftest import APPROVER, EXECUTOR, deploy
from tests.doubles import RecordingAdapter


@pytest.fixture
def queued(services: Services, clock: time_machine.Coordinates) -> str:
    deploy(services, "approval.bpmn")
    services.runtime.start("approval", {"work_order": "9", "segment": "S"}, EXECUTOR)
    with services.db.reading() as session:
        task_id = session.execute(select(UserTask.id)).scalar_one()
    services.runtime.complete_task(task_id, {"decision": "approve"}, APPROVER)
    with services.db.reading() as session:
        return str(session.execute(select(OutboxMessage.idempotency_key)).scalar_one())


def outbox_row(services: Services) -> OutboxMessage:
    with services.db.reading() as session:
        return session.execute(select(OutboxMessage)).scalar_one()


def test_nothing_is_sent_inside_the_step_and_dispatch_sends_it_once(
    services: Services, queued: str, adapters: dict[str, RecordingAdapter]
) -> None:
    assert adapters["sms"].sent == []
    assert services.dispatcher.dispatch() == 1
    assert services.dispatcher.dispatch() == 0
    assert adapters["sms"].sent == [({"text": "approved: 9"}, queued)]
    row = outbox_row(services)
    assert (row.status, row.attempts, row.response) == ("sent", 1, {"accepted": True})


def test_a_failed_send_is_retried_with_backoff(
    services: Services, queued: str, adapters: dict[str, RecordingAdapter], clock: time_machine.Coordinates
) -> None:
    adapters["sms"].failures_left = 2
    services.dispatcher.dispatch()
    row = outbox_row(services)
    assert (row.status, row.attempts, row.last_error) == ("pending", 1, "ConnectionError: gateway unreachable")
    assert services.dispatcher.dispatch() == 0  # not before its backoff
    clock.shift(timedelta(seconds=10))
    services.dispatcher.dispatch()  # second failure: backoff doubles
    clock.shift(timedelta(seconds=19))
    assert services.dispatcher.dispatch() == 0
    clock.shift(timedelta(seconds=1))
    assert services.dispatcher.dispatch() == 1
    assert outbox_row(services).status == "sent"
    assert [key for _payload, key in adapters["sms"].sent] == [queued]


def test_a_crash_between_commit_and_send_resends_with_the_same_key(
    services: Services, queued: str, adapters: dict[str, RecordingAdapter], clock: time_machine.Coordinates
) -> None:
    leased, _ = services.dispatcher._lease(10)  # the dispatcher dies right after leasing the row
    assert [row.idempotency_key for row in leased] == [queued]
    assert services.dispatcher.dispatch() == 0  # the lease holds the row
    clock.shift(services.dispatcher.policy.lease + timedelta(seconds=1))
    assert services.dispatcher.dispatch() == 1
    assert adapters["sms"].sent == [({"text": "approved: 9"}, queued)]
    assert outbox_row(services).attempts == 2


def test_an_unknown_adapter_is_an_error_on_the_row_not_a_crash(services: Services, queued: str,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delitem(services.dispatcher.adapters, "sms")  # type: ignore[arg-type]
    assert services.dispatcher.dispatch() == 1
    assert outbox_row(services).last_error == "LookupError: no outbox adapter named 'sms'"


def test_a_backlog_drains_in_one_run_batch_by_batch(services: Services, adapters: dict[str, RecordingAdapter]) -> None:
    """Issue 14 item 2: no fixed ceiling per run; rows leased and recorded a batch per transaction."""
    deploy(services, "approval.bpmn")
    for n in range(7):
        services.runtime.start("approval", {"work_order": str(n), "segment": "S"}, EXECUTOR)
    with services.db.reading() as session:
        task_ids = session.execute(select(UserTask.id)).scalars().all()
    for task_id in task_ids:
        services.runtime.complete_task(task_id, {"decision": "approve"}, APPROVER)
    services.dispatcher.batch = 3
    assert services.dispatcher.dispatch() == 7
    assert sorted(payload["text"] for payload, _key in adapters["sms"].sent) == [f"approved: {n}" for n in range(7)]
    assert services.dispatcher.dispatch(limit=5) == 0
