"""Timers: SpiffWorkflow's own, woken by the tick at due + 1 s; tests travel with time-machine."""

from __future__ import annotations

from datetime import timedelta

import time_machine
from sqlalchemy import select

from app.services import Services
from storage.models import HistoryEvent
from tests.conftest import EXECUTOR, START, deploy
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
