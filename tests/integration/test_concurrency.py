"""Several processes on one database: row locks and BEGIN IMMEDIATE keep every step single."""

from __future__ import annotations

import multiprocessing
from datetime import UTC, datetime, timedelta

import time_machine
from sqlalchemy import func, select

from app.bootstrap import Services
from storage.models import HistoryEvent, Instance
from tests.conftest import EXECUTOR, START, deploy
from tests.integration.processes import MIN_TICKS, busy_worker, race_worker

SPAWN = multiprocessing.get_context("spawn")
STARTED = 30  # timer_wait instances the web side starts (with as many approvals) while the worker ticks


def test_two_workers_racing_step_each_due_instance_once(
    backend_services: Services, database_url: str, clock: time_machine.Coordinates
) -> None:
    services = backend_services
    deploy(services, "timer_wait.bpmn")
    ids = [services.runtime.start("timer_wait", {}, EXECUTOR) for _ in range(120)]
    barrier, results = SPAWN.Barrier(2), SPAWN.Queue()
    workers = [SPAWN.Process(target=race_worker, args=(database_url, START + timedelta(hours=3), barrier, results))
               for _ in range(2)]
    for worker in workers:
        worker.start()
    counts = [results.get(timeout=120) for _ in workers]
    for worker in workers:
        worker.join(timeout=30)

    assert sum(counts) == len(ids)
    if not services.db.is_sqlite:  # SQLite's busy handler is not fair: one writer may take them all
        assert min(counts) > 0, f"both workers should have taken instances: {counts}"
    with services.db.reading() as session:
        fired = dict(session.execute(select(HistoryEvent.instance_id, func.count()).where(
            HistoryEvent.type == "timer.fired").group_by(HistoryEvent.instance_id)).all())
        statuses = set(session.execute(select(Instance.status)).scalars())
    assert fired == {instance_id: 1 for instance_id in ids}
    assert statuses == {"completed"}


def test_the_web_process_and_a_worker_write_sqlite_at_once(services: Services, sqlite_url: str) -> None:
    """The worker lives 3 hours ahead, so every instance the 'web' side starts is due for it at once."""
    deploy(services, "timer_wait.bpmn", "approval.bpmn")
    barrier, results = SPAWN.Barrier(2), SPAWN.Queue()
    worker = SPAWN.Process(target=busy_worker,
                           args=(sqlite_url, datetime.now(UTC) + timedelta(hours=3), STARTED, barrier, results))
    worker.start()
    barrier.wait()
    started = []
    for _ in range(STARTED):  # each start writes while the worker wakes and steps the ones before
        started.append(services.runtime.start("timer_wait", {}, EXECUTOR))
        services.runtime.start("approval", {"work_order": "1", "segment": "S"}, EXECUTOR)
    woken, ticks = results.get(timeout=120)
    worker.join(timeout=30)

    assert ticks >= MIN_TICKS
    with services.db.reading() as session:
        timer_statuses = set(session.execute(
            select(Instance.status).where(Instance.process_id == "timer_wait")).scalars())
    assert woken == len(started)
    assert timer_statuses == {"completed"}
