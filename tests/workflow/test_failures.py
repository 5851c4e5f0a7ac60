"""Failures outside a handler: nothing half-written, a clear error for people, an incident for the
scheduler's steps, and nobody else held up."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from sqlalchemy import func, select

from app.bootstrap import Services
from app.runtime.actors import Actor
from app.runtime.errors import Forbidden
from app.runtime.steps.core import StepFailed
from app.usecases.jobs import wake_and_recover
from storage.models import HistoryEvent, InboundMessage, Incident, Instance, OutboxMessage
from tests.conftest import APPROVER, EXECUTOR, SYSADMIN, TEST_BPMN, deploy
from tests.doubles import TestHandlers
from tests.lookups import instance_row as instance

HEADEND = Actor.system("headend")


def test_a_bad_value_in_a_persons_step_is_refused_and_nothing_is_created(services: Services) -> None:
    diagram = (TEST_BPMN / "timer_wait.bpmn").read_bytes().replace(
        b'<bpmn:timeDuration>"PT2H"</bpmn:timeDuration>', b"<bpmn:timeDuration>wait_for</bpmn:timeDuration>")
    services.deploy_files({"timer_wait.bpmn": diagram}, SYSADMIN)
    with pytest.raises(StepFailed, match="could not take this step"):
        services.runtime.start("timer_wait", {"wait_for": "2 hours"}, EXECUTOR)
    with services.db.reading() as session:
        assert session.execute(select(func.count(Instance.id))).scalar_one() == 0


def test_a_failing_timer_step_becomes_an_incident_and_the_others_still_fire(
    services: Services, clock: time_machine.Coordinates
) -> None:
    deploy(services, "two_timers.bpmn", "timer_wait.bpmn")
    broken = services.runtime.start("two_timers", {"next_wait": "2 hours"}, EXECUTOR)
    healthy = services.runtime.start("timer_wait", {}, EXECUTOR)
    clock.shift(timedelta(hours=2, seconds=1))

    assert services.runtime.wake_due() == 2
    assert services.runtime.wake_due() == 0  # the broken one left the due queue

    assert instance(services, healthy).status == "completed"
    row = instance(services, broken)
    assert row.status == "incident"
    with services.db.reading() as session:
        incident = session.execute(select(Incident)).scalar_one()
    assert (incident.instance_id, incident.task_id) == (broken, "")
    assert "Invalid duration" in incident.error


def test_a_stored_message_the_process_cannot_read_is_rejected_and_the_good_one_delivered(
    services: Services
) -> None:
    deploy(services, "keyed.bpmn")
    services.runtime.deliver_message("meter_reading", "", {"kwh": 1}, HEADEND, message_key="bad")
    services.runtime.deliver_message("meter_reading", "", {"kwh": 2, "meter_id": "M-2"}, HEADEND,
                                     message_key="good")
    instance_id = services.runtime.start("keyed", {}, EXECUTOR)
    assert instance(services, instance_id).status == "completed"
    with services.db.reading() as session:
        statuses = dict(session.execute(select(InboundMessage.message_key, InboundMessage.status)).all())
        rejected = session.execute(select(HistoryEvent).where(HistoryEvent.type == "message.rejected")).scalar_one()
    assert statuses == {"bad": "rejected", "good": "delivered"}
    assert rejected.data["key"] == "bad"


def test_retrying_a_task_whose_handler_already_queued_its_effect_does_not_repeat_it(
    services: Services, handlers: TestHandlers
) -> None:
    deploy(services, "checked_reply.bpmn")
    handlers.bad_replies = 1
    instance_id = services.runtime.start("checked_reply", {}, EXECUTOR)
    assert instance(services, instance_id).status == "incident"  # the postScript failed after the handler
    services.runtime.retry_incident(instance_id, EXECUTOR)
    assert instance(services, instance_id).status == "completed"
    with services.db.reading() as session:
        assert session.execute(select(func.count(OutboxMessage.id))).scalar_one() == 1
    assert [name for name, _ in handlers.calls] == ["test.reply", "test.reply"]


def test_a_follow_up_that_fails_does_not_undo_or_fail_the_committed_action(
    services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    deploy(services, "batch.bpmn", "batch_item.bpmn")

    def broken_start(*_args: object) -> bool:
        raise ConnectionError("database went away")

    monkeypatch.setattr(services.runtime, "start_all_created", broken_start)
    parent = services.runtime.start("batch", {"count": 2}, EXECUTOR)  # does not raise
    monkeypatch.undo()
    assert instance(services, parent).status == "running"
    assert services.runtime.recover() == 2  # the tick starts them


def test_two_batches_of_one_parent_each_get_their_own_results(
    services: Services, clock: time_machine.Coordinates
) -> None:
    deploy(services, "two_batches.bpmn", "batch_item.bpmn")
    parent = services.runtime.start("two_batches", {}, EXECUTOR)
    clock.shift(timedelta(hours=1, seconds=1))
    wake_and_recover(services.runtime)  # the worker's tick
    clock.shift(timedelta(hours=1, seconds=1))
    wake_and_recover(services.runtime)  # the worker's tick
    assert instance(services, parent).result == {"first": [2, 4], "second": [20]}


def test_children_run_the_version_deployed_with_their_parent(
    services: Services, clock: time_machine.Coordinates
) -> None:
    deploy(services, "two_batches.bpmn", "batch_item.bpmn")
    parent = services.runtime.start("two_batches", {}, EXECUTOR)
    tripled = (TEST_BPMN / "batch_item.bpmn").read_bytes().replace(b"n * 2", b"n * 3")
    [bundle] = services.deploy_files({"batch_item.bpmn": tripled}, SYSADMIN)
    assert bundle.versions == {"batch_item": 2}
    clock.shift(timedelta(hours=1, seconds=1))
    wake_and_recover(services.runtime)  # the worker's tick
    clock.shift(timedelta(hours=1, seconds=1))
    wake_and_recover(services.runtime)  # the worker's tick
    assert instance(services, parent).result == {"first": [2, 4], "second": [20]}
    assert services.runtime.start("batch_item", {"n": 10}, EXECUTOR)  # a fresh start takes v2


def test_operator_actions_need_their_roles(services: Services) -> None:
    deploy(services, "timer_wait.bpmn")
    instance_id = services.runtime.start("timer_wait", {}, EXECUTOR)
    with pytest.raises(Forbidden, match="sysadmin"):
        services.runtime.terminate(instance_id, "not mine to end", APPROVER)
    with pytest.raises(Forbidden, match="sysadmin"):
        services.runtime.suspend(instance_id, "hold", EXECUTOR)
    assert instance(services, instance_id).status == "running"
