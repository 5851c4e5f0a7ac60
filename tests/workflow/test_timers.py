"""Timers: SpiffWorkflow's own, woken by the tick at due + 1 s; tests travel with time-machine."""

from __future__ import annotations

from datetime import timedelta

import time_machine
from sqlalchemy import select

from app.bootstrap import Services
from storage.deployments import stored_files
from storage.models import HistoryEvent
from tests.conftest import EXECUTOR, START, SYSADMIN, TEST_BPMN, deploy
from tests.lookups import instance_row as status


def test_two_hour_timer_fires_after_time_travel_and_not_before(
    services: Services, clock: time_machine.Coordinates
) -> None:
    deploy(services, "timer_wait.bpmn")
    instance_id = services.runtime.start("timer_wait", {}, EXECUTOR)
    assert status(services, instance_id).next_wake_at == START + timedelta(hours=2, seconds=1)

    clock.shift(timedelta(hours=1, minutes=59))
    assert services.runtime.wake_due() == 0
    clock.shift(timedelta(minutes=1))  # exactly due: the library needs due < now
    assert services.runtime.wake_due() == 0
    assert status(services, instance_id).status == "running"

    clock.shift(timedelta(seconds=1))
    assert services.runtime.wake_due() == 1
    row = status(services, instance_id)
    assert (row.status, row.result, row.next_wake_at) == ("completed", {"fired": True}, None)
    with services.db.reading() as session:
        fired = session.execute(select(HistoryEvent).where(
            HistoryEvent.instance_id == instance_id, HistoryEvent.type == "timer.fired")).scalar_one()
    assert fired.element_id == "wait_2h"
    assert fired.actor == "system:scheduler"
    assert fired.data["due"] == (START + timedelta(hours=2)).isoformat()


def test_a_late_tick_still_fires_once(services: Services, clock: time_machine.Coordinates) -> None:
    deploy(services, "timer_wait.bpmn")
    instance_id = services.runtime.start("timer_wait", {}, EXECUTOR)
    clock.shift(timedelta(days=3))
    assert services.runtime.wake_due() == 1
    assert services.runtime.wake_due() == 0
    with services.db.reading() as session:
        fired = session.execute(select(HistoryEvent).where(
            HistoryEvent.instance_id == instance_id, HistoryEvent.type == "timer.fired")).scalars().all()
    assert len(fired) == 1


def test_timers_written_as_plain_iso_8601_run_like_quoted_ones(
    services: Services, clock: time_machine.Coordinates
) -> None:
    """issue 10 item 13: a plain PT2H (as every other modeler writes it) was refused at deploy; it is
    a literal, not a variable — the engine sees it quoted, the stored file stays as the analyst sent it."""
    plain = (TEST_BPMN / "timer_wait.bpmn").read_bytes().replace(b'>"PT2H"<', b">PT2H<")
    services.deploy_files({"timer_wait.bpmn": plain}, SYSADMIN)
    instance_id = services.runtime.start("timer_wait", {}, EXECUTOR)
    assert status(services, instance_id).next_wake_at == START + timedelta(hours=2, seconds=1)
    clock.shift(timedelta(hours=2, seconds=1))
    assert services.runtime.wake_due() == 1
    assert status(services, instance_id).result == {"fired": True}
    with services.db.reading() as session:
        [stored] = stored_files(session, 1)
    assert stored.data == plain  # replay (tests/workflow/conftest.py) parses these bytes again
