"""Head-end results and the instances that wait for them, on SQLite and PostgreSQL (issue 10 items
15–17): a result and its delivery commit together; a command handed to the head-end says so; a
terminated reconnection frees its meter at once."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from app.runtime.steps.core import StepFailed, StepRunner
from app.usecases.headend_results import take_headend_result
from app.usecases.reconnections import run_patrol
from storage.domain_models import MeterCommand, Reconnection
from storage.models import HistoryEvent, InboundMessage, Instance
from tests.conftest import EXECUTOR, SYSADMIN
from tests.utility import NOW, Utility, backend_utility, seed_customer

__all__ = ["backend_utility"]
CUSTOMER = "3400000001"


class ProcessDied(BaseException):
    """The web process killed (``kill -9``) in the middle of a request: nothing after this line runs,
    nothing uncommitted survives."""


def started_reconnection(u: Utility) -> tuple[int, MeterCommand]:
    seed_customer(u.services, CUSTOMER)
    assert run_patrol(u.services.runtime).started == 1
    u.services.dispatcher.dispatch()  # the command goes to the (simulated) head-end, which is not asked to answer
    (command,) = commands(u)
    assert command.instance_id is not None
    return command.instance_id, command


def commands(u: Utility) -> list[MeterCommand]:
    with u.services.db.reading() as session:
        return list(session.execute(select(MeterCommand).order_by(MeterCommand.id)).scalars())


def instance(u: Utility, instance_id: int) -> Instance:
    with u.services.db.reading() as session:
        row = session.get(Instance, instance_id)
        assert row is not None
        return row


def executed(command: MeterCommand, result_id: str = "R-closed") -> dict[str, Any]:
    return {"result_id": result_id, "command_id": command.command_id, "stage": "executed", "relay": "closed",
            "at": "2026-03-02T09:03:00+08:00"}


@contextmanager
def replaced_step(monkeypatch: pytest.MonkeyPatch, step: Callable[..., Any]) -> Iterator[Callable[..., Any]]:
    """``StepRunner.step`` replaced by ``step(real_step, self, unit, row, ...)`` for the block."""
    real = StepRunner.step
    monkeypatch.setattr(StepRunner, "step", lambda *args, **kwargs: step(real, *args, **kwargs))
    yield real
    monkeypatch.setattr(StepRunner, "step", real)


def dies_after_the_step(real: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """The instance's step ran (its writes flushed, not committed), then the process died."""
    real(*args, **kwargs)
    raise ProcessDied


def test_15_a_result_is_never_kept_without_its_delivery_so_the_head_ends_resend_is_delivered(
        backend_utility: Utility, monkeypatch: pytest.MonkeyPatch) -> None:
    u = backend_utility
    instance_id, command = started_reconnection(u)
    with replaced_step(monkeypatch, dies_after_the_step), pytest.raises(ProcessDied):
        take_headend_result(u.services.runtime, executed(command))
    # the process restarts

    (after_crash,) = commands(u)
    assert (after_crash.status, after_crash.result) == ("sent", None)  # the result is not half-taken
    with u.services.db.reading() as session:
        assert session.execute(select(InboundMessage)).first() is None

    outcome = take_headend_result(u.services.runtime, executed(command))  # the head-end had no answer: it resends
    assert outcome["delivery"] == "delivered"
    assert instance(u, instance_id).status == "completed"
    with u.services.db.reading() as session:
        order = session.execute(select(Reconnection)).scalar_one()
    assert (order.status, order.outcome) == ("closed", "reconnected_remote")


def test_15_a_result_the_instance_cannot_take_now_is_stored_with_it_and_delivered_by_the_worker(
        backend_utility: Utility, monkeypatch: pytest.MonkeyPatch) -> None:
    u = backend_utility
    instance_id, command = started_reconnection(u)

    def engine_fails(_real: Callable[..., Any], _self: StepRunner, _unit: Any, row: Any, *_: Any, **__: Any) -> Any:
        raise StepFailed(row.id, "the engine failed outside any task")

    with replaced_step(monkeypatch, engine_fails):
        outcome = take_headend_result(u.services.runtime, executed(command))
    assert outcome["delivery"] == "stored"
    (taken,) = commands(u)
    assert taken.status == "executed"  # the result on its command, and the message stored beside it
    with u.services.db.reading() as session:
        message = session.execute(select(InboundMessage)).scalar_one()
    assert (message.status, message.correlation) == ("pending", command.command_id)
    assert instance(u, instance_id).status == "incident"

    u.services.runtime.retry_incident(instance_id, EXECUTOR)
    assert instance(u, instance_id).status == "completed"


def history(u: Utility, stream: str) -> list[HistoryEvent]:
    with u.services.db.reading() as session:
        return list(session.execute(select(HistoryEvent).where(HistoryEvent.stream == stream)
                                    .order_by(HistoryEvent.seq)).scalars())


def test_16_a_command_the_head_end_has_taken_is_sent_with_its_time(backend_utility: Utility) -> None:
    u = backend_utility
    seed_customer(u.services, CUSTOMER)
    run_patrol(u.services.runtime)
    (queued,) = commands(u)
    assert (queued.status, queued.sent_at) == ("queued", None)

    u.clock.shift(timedelta(seconds=20))
    u.services.dispatcher.dispatch()

    (sent,) = commands(u)
    assert (sent.status, sent.sent_at) == ("sent", NOW + timedelta(seconds=20))
    (event,) = [e for e in history(u, "outbox") if e.type == "outbox.sent" and e.data["adapter"] == "headend"]
    assert event.data["command"] == {"command_id": sent.command_id, "old": "queued", "new": "sent"}


def test_16_a_command_the_head_end_did_not_take_stays_queued(backend_utility: Utility,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    u = backend_utility
    seed_customer(u.services, CUSTOMER)
    run_patrol(u.services.runtime)

    def unreachable(payload: dict[str, Any], key: str) -> None:
        raise ConnectionError("head-end unreachable")

    monkeypatch.setattr(u.headend, "send", unreachable)
    u.services.dispatcher.dispatch()
    (command,) = commands(u)
    assert (command.status, command.sent_at) == ("queued", None)


def orders(u: Utility) -> list[Reconnection]:
    with u.services.db.reading() as session:
        return list(session.execute(select(Reconnection).order_by(Reconnection.id)).scalars())


def test_17_terminating_takes_back_a_command_that_has_not_left_and_the_next_reconnection_starts_at_once(
        backend_utility: Utility) -> None:
    u = backend_utility
    seed_customer(u.services, CUSTOMER)
    run_patrol(u.services.runtime)
    (command,) = commands(u)
    assert command.instance_id is not None

    u.services.runtime.terminate(command.instance_id, "wrong customer picked", SYSADMIN)

    (cancelled,) = commands(u)
    assert cancelled.status == "cancelled"
    assert u.services.dispatcher.dispatch() == 0  # it never leaves
    (order,) = orders(u)
    assert (order.status, order.outcome) == ("abandoned", "instance terminated")
    released = [(e.type, e.actor, e.data["old"], e.data["new"], e.data["reason"]) for e in history(u, "headend")]
    assert released == [("command.cancelled", SYSADMIN.name, "queued", "cancelled", "wrong customer picked")]
    assert [(e.type, e.actor) for e in history(u, "reconnections")] == [("reconnection.abandoned", SYSADMIN.name)]

    assert run_patrol(u.services.runtime).started == 1  # at once: no command in flight, no open order
    assert [c.status for c in commands(u)] == ["cancelled", "queued"]


def test_17_terminating_abandons_a_command_that_has_left_and_its_late_result_changes_nothing(
        backend_utility: Utility) -> None:
    u = backend_utility
    instance_id, command = started_reconnection(u)
    u.services.runtime.terminate(instance_id, "customer moved out", SYSADMIN)
    (abandoned,) = commands(u)
    assert abandoned.status == "abandoned"

    assert run_patrol(u.services.runtime).started == 1
    outcome = take_headend_result(u.services.runtime, executed(command))  # the old command lands after all
    assert outcome["delivery"] == "stored"  # nobody waits for it
    first, second = commands(u)
    assert (first.status, first.result is not None, second.status) == ("abandoned", True, "queued")
    (taken,) = [e for e in history(u, "headend") if e.type == "headend.result_received"]
    assert (taken.data["applied"], taken.data["old"], taken.data["new"]) == ("late", "abandoned", "abandoned")
