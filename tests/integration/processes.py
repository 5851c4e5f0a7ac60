"""Code that runs in separate OS processes for the concurrency tests (spawned, so importable)."""

from __future__ import annotations

import time
from datetime import datetime
from multiprocessing.queues import Queue
from multiprocessing.synchronize import Barrier
from typing import Any

import time_machine


def _services(url: str) -> Any:
    from app import create_app
    from tests.doubles import TestHandlers

    app = create_app({"TESTING": True, "DATABASE_URL": url, "HANDLERS": TestHandlers().table(),
                      "OUTBOX_ADAPTERS": {}, "SECRET_KEY": "test", "BPMN_DIR": "/nonexistent"})
    return app.extensions["relayflow"]


def race_worker(url: str, at: datetime, barrier: Barrier, results: Queue[Any]) -> None:
    """A worker that wakes due instances until none is left; reports how many it stepped."""
    services = _services(url)
    with time_machine.travel(at, tick=False):
        barrier.wait()
        total = 0
        while True:
            woken = services.runtime.wake_due(limit=5)
            total += woken
            if woken == 0:
                break
    services.db.dispose()
    results.put(total)


MIN_TICKS = 20


def busy_worker(url: str, at: datetime, expected: int, barrier: Barrier, results: Queue[Any]) -> None:
    """A worker process in its own (later) time: ticks until it has woken ``expected`` instances and
    ticked at least ``MIN_TICKS`` times (a minute at most, so a lost instance ends the test, not the
    run); reports (woken, ticks). Counted, not timed: a loaded machine only makes it slower."""
    services = _services(url)
    woken = ticks = 0
    barrier.wait()
    give_up = time.monotonic() + 60
    with time_machine.travel(at, tick=True):
        while (woken < expected or ticks < MIN_TICKS) and time.monotonic() < give_up:
            woken += services.runtime.wake_due()
            services.dispatcher.dispatch()
            ticks += 1
    services.db.dispose()
    results.put((woken, ticks))
