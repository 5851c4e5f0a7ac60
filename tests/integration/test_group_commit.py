"""Group commit (issue 14 item 1, ARCHITECTURE "Group commit"): machine-driven steps share a
transaction, one savepoint each; a failing step rolls back alone and gets its incident while the
others commit together; groups are capped; the history chains stay intact. SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from sqlalchemy import func, select

from app.audit.chains import audit, streams_to_verify
from app.bootstrap import Services
from app.runtime.steps.grouping import GroupCap
from app.runtime.steps.unit import Unit
from storage.models import HistoryEvent, Incident, Instance, OutboxMessage
from tests.conftest import EXECUTOR, deploy
from tests.lookups import instance_row as instance


@pytest.fixture
def services(backend_services: Services) -> Services:
    return backend_services


def _chains_intact(services: Services) -> None:
    with services.db.reading() as session:
        report = audit(session, streams_to_verify(session))
    assert report.intact, report.broken


def _timers_due(services: Services, clock: time_machine.Coordinates, healthy: int) -> tuple[int, list[int]]:
    deploy(services, "two_timers.bpmn", "timer_wait.bpmn")
    broken = services.runtime.start("two_timers", {"next_wait": "2 hours"}, EXECUTOR)  # its next timer is bad
    fine = [services.runtime.start("timer_wait", {}, EXECUTOR) for _ in range(healthy)]
    clock.shift(timedelta(hours=2, seconds=1))
    return broken, fine


def test_one_failing_timer_step_rolls_back_alone_and_the_group_commits_the_others(
    services: Services, clock: time_machine.Coordinates
) -> None:
    broken, fine = _timers_due(services, clock, healthy=4)
    services.runtime.group_cap = GroupCap(steps=50, millis=600_000)  # counted, never timed: a slow machine too
    before = services.runtime.group_stats.groups

    assert services.runtime.wake_due() == 5

    assert services.runtime.group_stats.groups == before + 1  # all five steps in one transaction
    assert {instance(services, i).status for i in fine} == {"completed"}
    assert instance(services, broken).status == "incident"
    with services.db.reading() as session:
        incident = session.execute(select(Incident)).scalar_one()
        assert incident.instance_id == broken and "Invalid duration" in incident.error
        kinds = session.execute(select(HistoryEvent.type).where(HistoryEvent.instance_id == broken)
                                .order_by(HistoryEvent.seq)).scalars().all()
    assert kinds[-1] == "incident.opened" and "timer.fired" not in kinds  # nothing of the failed step
    _chains_intact(services)


def test_a_group_closes_after_its_cap_of_steps(services: Services, clock: time_machine.Coordinates) -> None:
    deploy(services, "timer_wait.bpmn")
    ids = [services.runtime.start("timer_wait", {}, EXECUTOR) for _ in range(5)]
    clock.shift(timedelta(hours=2, seconds=1))
    services.runtime.group_cap = GroupCap(steps=2, millis=60_000)
    before = services.runtime.group_stats.groups

    assert services.runtime.wake_due() == 5

    assert services.runtime.group_stats.groups - before == 3  # 2 + 2 + 1
    assert {instance(services, i).status for i in ids} == {"completed"}
    _chains_intact(services)


def test_a_group_closes_once_its_time_is_up(services: Services, clock: time_machine.Coordinates) -> None:
    deploy(services, "timer_wait.bpmn")
    ids = [services.runtime.start("timer_wait", {}, EXECUTOR) for _ in range(3)]
    clock.shift(timedelta(hours=2, seconds=1))
    services.runtime.group_cap = GroupCap(steps=1_000, millis=1e-6)  # every step is over the time
    before = services.runtime.group_stats.groups

    assert services.runtime.wake_due() == 3

    assert services.runtime.group_stats.groups - before == 4  # three steps, and the look that found none due
    assert {instance(services, i).status for i in ids} == {"completed"}


def test_an_error_in_a_step_discards_its_rows_history_and_outbox_but_not_the_group(services: Services) -> None:
    """A step's writes live in its savepoint: an error after the step saved everything (here, in
    the work that follows it) leaves no trace of it, and the group's other step commits."""
    deploy(services, "checked_reply.bpmn")
    with services.db.reading() as session:
        counts_before = _counts(session)

    def start_then_fail(unit: Unit) -> None:
        services.runtime.start_within(unit, "checked_reply", {}, EXECUTOR)
        raise RuntimeError("the work after the step failed")

    with services.runtime.grouped() as group:
        kept = group.run(lambda unit: services.runtime.start_within(unit, "checked_reply", {}, EXECUTOR))
        with pytest.raises(RuntimeError, match="after the step"):
            group.run(start_then_fail)

    assert instance(services, kept).status == "completed"
    with services.db.reading() as session:
        instances, events, outbox = _counts(session)
    one = (1, events - counts_before[1], outbox - counts_before[2])
    assert instances - counts_before[0] == 1  # only the kept one exists
    assert one[1] > 0 and one[2] == 1  # its history and its one outbox row, nothing of the other
    _chains_intact(services)


def test_an_exception_that_leaves_the_group_rolls_back_its_open_steps(services: Services) -> None:
    """Nothing half-committed: the steps of an unfinished group are redone by the next round."""
    deploy(services, "checked_reply.bpmn")
    with pytest.raises(KeyError), services.runtime.grouped() as group:
        group.run(lambda unit: services.runtime.start_within(unit, "checked_reply", {}, EXECUTOR))
        raise KeyError("the worker stopped")
    with services.db.reading() as session:
        assert session.execute(select(func.count(Instance.id))).scalar_one() == 0


def _counts(session: object) -> tuple[int, int, int]:
    return tuple(session.execute(select(func.count(model.id))).scalar_one()  # type: ignore[attr-defined]
                 for model in (Instance, HistoryEvent, OutboxMessage))  # type: ignore[return-value]
