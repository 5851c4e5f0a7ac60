"""The worker: APScheduler 3 running the periodic use cases (``app.usecases.jobs``), with in-memory
jobs only (never a shared job store).

With several workers on PostgreSQL, row locks (``FOR UPDATE SKIP LOCKED``) keep two workers
off the same instance or outbox row; APScheduler only decides *when* each worker looks.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import UTC, datetime

from apscheduler.schedulers.base import BaseScheduler
from apscheduler.schedulers.blocking import BlockingScheduler

from app.usecases.jobs import PeriodicJob

log = logging.getLogger("relayflow.worker")


class Worker:
    def __init__(self, jobs: Sequence[PeriodicJob]) -> None:
        self.jobs = tuple(jobs)

    def schedule(self, scheduler: BaseScheduler) -> BaseScheduler:
        common = {"max_instances": 1, "coalesce": True, "misfire_grace_time": None}
        for job in self.jobs:
            first = {"next_run_time": datetime.now(UTC)} if job.at_start else {}
            scheduler.add_job(_guarded(job.run), "interval", seconds=job.seconds, id=job.name, name=job.name,
                              **common, **first)
        return scheduler

    def run_forever(self) -> None:
        for job in self.jobs:
            if job.prepare is not None:
                job.prepare()
        scheduler = self.schedule(BlockingScheduler(timezone="UTC"))
        log.info("worker started: %s", ", ".join(f"{job.name} every {job.seconds:g}s" for job in self.jobs))
        scheduler.start()


def _guarded(job: Callable[[], object]) -> Callable[[], None]:
    def run() -> None:
        try:
            job()
        except Exception:  # one failed round must not stop the worker; the next round retries
            log.exception("worker job failed")
    return run
