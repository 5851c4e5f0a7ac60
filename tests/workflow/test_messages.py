"""Messages: routed by (name, correlation), stored when early, duplicates recorded and ignored,
and the 'wait for the result or time out' pattern (receive task + interrupting boundary timer)."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from sqlalchemy import select

from app.bootstrap import Services
from app.runtime.actors import Actor
from app.runtime.errors import RuntimeActionError
from storage.models import HistoryEvent, InboundMessage, Instance, WaitingMessage
from tests.conftest import EXECUTOR, deploy
from tests.lookups import instance_row as instance

HEADEND = Actor.system("headend")


@pytest.fixture
def waiting(services: Services, clock: time_machine.Coordinates) -> int:
    deploy(services, "await_result.bpmn")
    return services.runtime.start("await_result", {"target": "M1", "result_timeout": "PT30M"}, EXECUTOR)


def events(services: Services, instance_id: int, kind: str) -> list[HistoryEvent]:
    with services.db.reading() as session:
        return list(session.execute(select(HistoryEvent).where(
            HistoryEvent.instance_id == instance_id, HistoryEvent.type == kind).order_by(HistoryEvent.seq)).scalars())


def test_the_instance_waits_under_its_correlation_value(services: Services, waiting: int) -> None:
    with services.db.reading() as session:
        [row] = session.execute(select(WaitingMessage)).scalars()
    assert (row.instance_id, row.message_name, row.correlation) == (waiting, "command_result", f"CMD-{waiting}-M1")


def test_a_message_is_delivered_to_the_instance_that_waits_for_it(services: Services, waiting: int) -> None:
    delivery = services.runtime.deliver_message(
        "command_result", f"CMD-{waiting}-M1", {"ok": True}, HEADEND, message_key="hes-1")
    assert (delivery.outcome, delivery.instance_id) == ("delivered", waiting)
    assert instance(services, waiting).result == {"ok": True}
    [received] = events(services, waiting, "message.received")
    assert received.data["payload"] == {"ok": True}
    assert received.actor == "system:headend"


def test_a_message_for_another_correlation_is_stored_not_applied(services: Services, waiting: int) -> None:
    delivery = services.runtime.deliver_message("command_result", "CMD-999-M9", {"ok": True}, HEADEND)
    assert delivery.outcome == "stored"
    assert instance(services, waiting).status == "running"


def test_a_duplicate_message_is_recorded_and_ignored(services: Services, waiting: int) -> None:
    correlation = f"CMD-{waiting}-M1"
    services.runtime.deliver_message("command_result", correlation, {"ok": True}, HEADEND, message_key="hes-7")
    again = services.runtime.deliver_message("command_result", correlation, {"ok": False}, HEADEND,
                                             message_key="hes-7")
    assert (again.outcome, again.instance_id) == ("duplicate", waiting)
    assert instance(services, waiting).result == {"ok": True}
    assert len(events(services, waiting, "message.received")) == 1
    [duplicate] = events(services, waiting, "message.duplicate")
    assert duplicate.data["key"] == "hes-7"
    with services.db.reading() as session:
        assert session.execute(select(InboundMessage.duplicates)).scalar_one() == 1


def test_a_duplicate_without_a_key_is_recognised_by_its_content(services: Services, waiting: int) -> None:
    correlation = f"CMD-{waiting}-M1"
    services.runtime.deliver_message("command_result", correlation, {"ok": True}, HEADEND)
    assert services.runtime.deliver_message("command_result", correlation, {"ok": True}, HEADEND).outcome == "duplicate"


def test_an_early_message_is_delivered_when_the_instance_starts_waiting(services: Services) -> None:
    deploy(services, "await_result.bpmn")
    # The head-end answers before our step committed: the next instance will be id 1.
    early = services.runtime.deliver_message("command_result", "CMD-1-M1", {"ok": True}, HEADEND)
    assert early.outcome == "stored"
    instance_id = services.runtime.start("await_result", {"target": "M1", "result_timeout": "PT30M"}, EXECUTOR)
    assert instance_id == 1
    row = instance(services, instance_id)
    assert (row.status, row.result) == ("completed", {"ok": True})
    with services.db.reading() as session:
        stored = session.execute(select(InboundMessage)).scalar_one()
    assert (stored.status, stored.delivered_to) == ("delivered", instance_id)


def test_no_result_in_time_takes_the_timeout_path_and_a_late_result_is_not_applied(
    services: Services, waiting: int, clock: time_machine.Coordinates
) -> None:
    clock.shift(timedelta(minutes=30, seconds=1))
    assert services.runtime.wake_due() == 1
    row = instance(services, waiting)
    assert (row.status, row.result) == ("completed", None)
    cancelled = [e.element_id for e in events(services, waiting, "element.cancelled")]
    assert "await" in cancelled
    late = services.runtime.deliver_message("command_result", f"CMD-{waiting}-M1", {"ok": True}, HEADEND)
    assert late.outcome == "stored"
    assert instance(services, waiting).result is None


def test_a_message_that_arrives_before_the_timeout_cancels_it(
    services: Services, waiting: int, clock: time_machine.Coordinates
) -> None:
    clock.shift(timedelta(minutes=10))
    services.runtime.deliver_message("command_result", f"CMD-{waiting}-M1", {"ok": False}, HEADEND)
    row = instance(services, waiting)
    assert (row.status, row.result, row.next_wake_at) == ("completed", {"ok": False}, None)
    clock.shift(timedelta(hours=1))
    assert services.runtime.wake_due() == 0


def test_a_payload_that_is_not_an_object_is_refused_and_nothing_is_stored(
    services: Services, waiting: int
) -> None:
    with pytest.raises(RuntimeActionError, match="JSON object"):
        services.runtime.deliver_message("command_result", f"CMD-{waiting}-M1", ["not", "an", "object"],  # type: ignore[arg-type]
                                         HEADEND)
    assert instance(services, waiting).status == "running"
    with services.db.reading() as session:
        assert session.execute(select(InboundMessage)).first() is None


def test_a_payload_the_catching_event_cannot_read_is_rejected_and_changes_nothing(services: Services) -> None:
    deploy(services, "keyed.bpmn")
    instance_id = services.runtime.start("keyed", {}, EXECUTOR)
    with services.db.reading() as session:
        revision = session.get(Instance, instance_id).revision  # type: ignore[union-attr]
    delivery = services.runtime.deliver_message("meter_reading", "", {"kwh": 12}, HEADEND)
    assert delivery.outcome == "rejected"
    assert delivery.error is not None and "meter_id" in delivery.error
    with services.db.reading() as session:
        row = session.get(Instance, instance_id)
        stored = session.execute(select(InboundMessage)).scalar_one()
    assert row is not None and (row.status, row.revision) == ("running", revision)
    assert (stored.status, stored.error) == ("rejected", delivery.error)
    accepted = services.runtime.deliver_message("meter_reading", "", {"kwh": 12, "meter_id": "M-1"}, HEADEND)
    assert accepted.outcome == "delivered"


def test_a_stale_route_keeps_the_message_stored_and_harms_nothing(services: Services) -> None:
    deploy(services, "timer_wait.bpmn")
    instance_id = services.runtime.start("timer_wait", {}, EXECUTOR)
    with services.db.transaction() as session:  # as if the route was read just before the instance moved on
        session.add(WaitingMessage(instance_id=instance_id, message_name="command_result", correlation="X",
                                   correlations={}))
    delivery = services.runtime.deliver_message("command_result", "X", {"ok": True}, HEADEND)
    assert delivery.outcome == "stored"
    assert instance(services, instance_id).status == "running"
    assert events(services, instance_id, "message.received") == []
