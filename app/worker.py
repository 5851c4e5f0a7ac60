"""The worker: APScheduler 3 running the periodic use cases (``app.usecases.jobs``), with in-memory
jobs only (never a shared job store).

Several workers share one PostgreSQL database (issue 14 item 2): row locks (``FOR UPDATE SKIP
LOCKED``) keep two workers off the same instance or outbox row; a job that must run once at a
time (``PeriodicJob.exclusive``: the patrol, sealing, rehearsals) runs only on the worker holding
its lease, which its heartbeat renews; a crashed holder's lease expires and another worker takes
the job over. SQLite supports one worker: a second one is refused while the first lives. SIGTERM
(or Ctrl-C) lets the running jobs finish, then gives the leases back and exits.
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from types import FrameType

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import BaseScheduler

from app.bootstrap import process_identity
from app.clock import Clock
from app.usecases.jobs import PeriodicJob
from storage import leases
from storage.db import Database

log = logging.getLogger("relayflow.worker")
SQLITE_WORKER = "worker:sqlite"  # the lease of the one worker a SQLite database supports


class AnotherWorker(RuntimeError):
    """A second worker on a SQLite database: refused, with who holds it."""


@dataclass(frozen=True)
class LeaseTimes:
    lease: timedelta = timedelta(seconds=30)  # a crashed holder's jobs wait at most this long
    heartbeat: timedelta = timedelta(seconds=5)  # how often a worker says it lives and renews its leases


class Worker:
    def __init__(self, jobs: Sequence[PeriodicJob], db: Database, clock: Clock,
                 times: LeaseTimes | None = None) -> None:
        self.jobs, self.db, self.clock = tuple(jobs), db, clock
        self.times = times or LeaseTimes()
        self.identity = process_identity()
        self.started_at = clock.now()

    def schedule(self, scheduler: BaseScheduler) -> BaseScheduler:
        common = {"max_instances": 1, "coalesce": True, "misfire_grace_time": None}
        for job in self.jobs:
            first = {"next_run_time": datetime.now(UTC)} if job.at_start else {}
            run = self._exclusive(job) if job.exclusive else job.run
            scheduler.add_job(_guarded(run), "interval", seconds=job.seconds, id=job.name, name=job.name,
                              **common, **first)
        scheduler.add_job(_guarded(self.heartbeat), "interval", seconds=self.times.heartbeat.total_seconds(),
                          id="heartbeat", name="heartbeat", next_run_time=datetime.now(UTC), **common)
        return scheduler

    def run_forever(self) -> None:
        """Run until SIGTERM / SIGINT; raises ``AnotherWorker`` on a SQLite database another worker holds."""
        stop = _StopSignals()  # from here on a SIGTERM is a clean stop, even during the preparations
        if self.db.is_sqlite and not self.take(SQLITE_WORKER):
            raise AnotherWorker(self._refusal())
        try:
            for job in self.jobs:
                if job.prepare is not None:
                    job.prepare()
            scheduler = self.schedule(BackgroundScheduler(timezone="UTC"))
            scheduler.start()
            log.info("worker %s started: %s", self.identity,
                     ", ".join(f"{job.name} every {job.seconds:g}s" for job in self.jobs))
            signum = stop.wait()
            log.info("worker %s: %s, finishing the running jobs", self.identity, signal.Signals(signum).name)
            scheduler.shutdown(wait=True)
        finally:
            for job in self.jobs:
                if job.stop is not None:
                    job.stop()
            self.leave()
        log.info("worker %s stopped", self.identity)

    # -- leases and heartbeats ----------------------------------------------------------------

    def take(self, name: str) -> bool:
        """Take or renew the lease ``name``; a holder that was this machine's and whose process is
        gone (killed) gives it up at once rather than when it expires."""
        with self.db.transaction() as session:
            conn, now = session.connection(), self.clock.now()
            if leases.take(conn, name, self.identity, now, now + self.times.lease):
                return True
            holder = leases.holder_of(conn, name)
            if holder is None or not _dead_here(holder.holder, self.identity):
                return False
            log.warning("lease %s: its holder %s is no longer running; taken over", name, holder.holder)
            leases.release(conn, holder.holder, name)
            return leases.take(conn, name, self.identity, now, now + self.times.lease)

    def heartbeat(self) -> None:
        """Say this worker lives, and keep its leases while it does."""
        with self.db.transaction() as session:
            conn, now = session.connection(), self.clock.now()
            leases.beat(conn, self.identity, self.started_at, now, ",".join(job.name for job in self.jobs))
            leases.renew_all(conn, self.identity, now + self.times.lease)
            leases.forget_silent(conn, now - timedelta(days=1))

    def leave(self) -> None:
        """Give the leases back and remove the heartbeat (a clean stop; a crash lets them expire)."""
        with self.db.transaction() as session:
            leases.release(session.connection(), self.identity)
            leases.forget_worker(session.connection(), self.identity)

    def _exclusive(self, job: PeriodicJob) -> Callable[[], object]:
        def run() -> object:
            if not self.take(f"job:{job.name}"):
                return None  # another worker holds this job
            return job.run()
        return run

    def _refusal(self) -> str:
        with self.db.reading() as session:
            holder = leases.holder_of(session.connection(), SQLITE_WORKER)
        who = holder.holder if holder is not None else "another worker"
        until = holder.expires_at.isoformat(timespec="seconds") if holder is not None else "?"
        return (f"another worker ({who}) runs on this SQLite database (its lease runs to {until}, renewed while "
                "it lives). SQLite supports one worker; use PostgreSQL for several (README, \"Workers\").")


def _dead_here(holder: str, me: str) -> bool:
    """Whether ``holder`` (host:pid:token) was a process of this machine that no longer runs."""
    host, _, rest = holder.partition(":")
    pid = rest.partition(":")[0]
    if host != socket.gethostname() or not pid.isdigit():
        return False
    if int(pid) == os.getpid():
        return holder != me  # this process's id with another token: that process has gone
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:  # another user's process: it lives
        return False
    return False


class _StopSignals:
    """SIGTERM and SIGINT only record that they came; the main thread polls for them and then stops
    the scheduler outside any signal handler. (Stopping APScheduler from inside the handler deadlocked
    when the signal interrupted the main thread while it held the executor's lock that a finishing job
    needs: the shutdown waited for that job forever.)"""

    def __init__(self) -> None:
        self.received: list[int] = []
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, self._record)

    def _record(self, signum: int, _frame: FrameType | None) -> None:
        self.received.append(signum)

    def wait(self, poll_seconds: float = 0.2) -> int:
        while not self.received:
            time.sleep(poll_seconds)
        return self.received[0]


def _guarded(job: Callable[[], object]) -> Callable[[], None]:
    def run() -> None:
        try:
            job()
        except Exception:  # one failed round must not stop the worker; the next round retries
            log.exception("worker job failed")
    return run
