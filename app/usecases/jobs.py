"""What the clock starts: each periodic job a worker runs is a named use case here — waking due
timers, sending the outbox, the reconnection patrol (M5.1), sealing the history (issue 5), running
the analysts' queued rehearsals (issue 12), a head-end adapter's work between sends (the simulated
head-end's answers, the DL/T 645 adapter's relay polls) and keeping the SMPP link to the SMSC up
(when one is configured: its delivery receipts come in on it).
``app.bootstrap`` builds the list once; ``app.worker`` only schedules it."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from app.audit.seals import Sealer
from app.runtime.api import Runtime
from app.runtime.events.outbox import OutboxDispatcher
from app.usecases.reconnections import run_patrol
from app.workbench.context import Workbench
from app.workbench.rehearsal.runs import RehearsalWorker
from handlers.headend import TickingHeadEnd
from handlers.headend_simulator import SimulatedHeadEnd, configure_from_archive
from handlers.smpp import SmppSmsAdapter


@dataclass(frozen=True)
class PeriodicJob:
    name: str
    run: Callable[[], object]
    seconds: float
    at_start: bool = False  # also run once as the worker starts
    prepare: Callable[[], object] | None = None  # once, before the worker's first round
    exclusive: bool = False  # runs on one worker at a time: the holder of its lease (``app.worker``)
    stop: Callable[[], object] | None = None  # once, as the worker stops (after its last round)


def wake_and_recover(runtime: Runtime) -> int:
    """Wake due timers, then start children and deliver messages a crash left behind."""
    return runtime.wake_due() + runtime.recover()


def worker_jobs(config: Mapping[str, Any], runtime: Runtime, dispatcher: OutboxDispatcher,
                sealer: Sealer) -> tuple[PeriodicJob, ...]:
    """Every periodic job, with its interval from the configuration."""
    jobs = [
        PeriodicJob("tick", lambda: wake_and_recover(runtime), float(config["TICK_SECONDS"])),
        PeriodicJob("outbox", dispatcher.dispatch, float(config["OUTBOX_SECONDS"])),
        PeriodicJob("patrol", lambda: run_patrol(runtime), float(config["PATROL_SECONDS"]), at_start=True,
                    exclusive=True),
        PeriodicJob("seal", sealer.seal_all, float(config["SEAL_SECONDS"]), exclusive=True),
        PeriodicJob("rehearsals", RehearsalWorker(Workbench.of(runtime), runtime.environment).run_abandoned_and_queued,
                    float(config["REHEARSAL_SECONDS"]), exclusive=True),
    ]
    headend = dispatcher.adapters.get("headend")
    if isinstance(headend, TickingHeadEnd):  # the simulator's answers, the DL/T 645 adapter's relay polls
        simulated = isinstance(headend, SimulatedHeadEnd)
        prepare = (lambda: configure_from_archive(headend, runtime.db)) if simulated else None
        jobs.append(PeriodicJob("headend-tick", headend.tick, float(config["HEADEND_TICK_SECONDS"]), prepare=prepare))
    sms = dispatcher.adapters.get("sms")
    if isinstance(sms, SmppSmsAdapter):  # the link to the SMSC lives in the worker: it takes the receipts
        jobs.append(PeriodicJob("smpp-link", sms.keep_alive, float(config["TICK_SECONDS"]), prepare=sms.start,
                                stop=sms.stop))
    return tuple(jobs)
