"""Spawned by the work-order race test: allocate numbers in separate transactions."""

from __future__ import annotations

from multiprocessing.queues import Queue
from multiprocessing.synchronize import Barrier
from typing import Any

from storage.db import Database
from storage.work_orders import take_next


def allocate(url: str, series: str, count: int, barrier: Barrier, results: Queue[Any]) -> None:
    db = Database(url)
    barrier.wait()
    taken = []
    for _ in range(count):
        with db.transaction() as session:
            taken.append(take_next(session.connection(), series))
    db.dispose()
    results.put(taken)
