"""The worker: APScheduler 3 with in-memory jobs only (never a shared job store).

With several workers on PostgreSQL, row locks (``FOR UPDATE SKIP LOCKED``) keep two workers
off the same instance or outbox row; APScheduler only decides *when* each worker looks.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial

from apscheduler.schedulers.base import BaseScheduler
from apscheduler.schedulers.blocking import BlockingScheduler

from app.bootstrap import Services

log = logging.getLogger("relayflow.worker")


@dataclass(frozen=True)
class PeriodicJob:
    """A hook for periodic work (the reconnection patrol, reports...)."""

    name: str
    run: Callable[[Services], object]
    seconds: float
    at_start: bool = False  # also run once as the worker starts


class Worker:
    def __init__(self, services: Services, *, tick_seconds: float, outbox_seconds: float,
                 periodic: list[PeriodicJob] | None = None) -> None:
        self.services = services
        self.tick_seconds, self.outbox_seconds = tick_seconds, outbox_seconds
        self.periodic = list(periodic or [])

    def tick(self) -> int:
        """Wake due timers, then start children / deliver messages a crash left behind."""
        woken = self.services.runtime.wake_due()
        recovered = self.services.runtime.recover()
        return woken + recovered

    def dispatch(self) -> int:
        return self.services.dispatcher.dispatch()

    def schedule(self, scheduler: BaseScheduler) -> BaseScheduler:
        common = {"max_instances": 1, "coalesce": True, "misfire_grace_time": None}
        scheduler.add_job(self._guarded(self.tick), "interval", seconds=self.tick_seconds, id="tick", name="tick",
                          **common)
        scheduler.add_job(self._guarded(self.dispatch), "interval", seconds=self.outbox_seconds, id="outbox",
                          name="outbox", **common)
        for job in self.periodic:
            first = {"next_run_time": datetime.now(UTC)} if job.at_start else {}
            scheduler.add_job(self._guarded(partial(job.run, self.services)), "interval",
                              seconds=job.seconds, id=job.name, name=job.name, **common, **first)
        return scheduler

    def run_forever(self) -> None:
        scheduler = self.schedule(BlockingScheduler(timezone="UTC"))
        log.info("worker started: tick every %ss, outbox every %ss", self.tick_seconds, self.outbox_seconds)
        scheduler.start()

    @staticmethod
    def _guarded(job: Callable[[], object]) -> Callable[[], None]:
        def run() -> None:
            try:
                job()
            except Exception:  # one failed round must not stop the worker; the next round retries
                log.exception("worker job failed")
        return run
