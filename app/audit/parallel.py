"""The auditor's long checks on several processes (issue 14 item 7): ``audit verify --jobs N`` splits
the streams into N contiguous ranges, ``replay --all --jobs N`` the cases into chunks; each process
(forked, with its own database connections) checks its share and the results are merged in the
order one process would have found them, so the output is the same whatever N."""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor

from app.audit.chains import AuditReport, audit
from app.audit.replay import Replayer, ReplaySummary
from app.runtime.steps.core import StepRunner
from storage.db import Database

CHUNK = 200  # cases per replay task: small enough to balance, big enough to read in one go
_forked: tuple[Database, StepRunner | None] | None = None  # what a forked process inherited (connections closed)
_replayer: Replayer | None = None


def verify_chains(db: Database, streams: Sequence[str], jobs: int,
                  progress: Callable[[int], None] = lambda _done: None) -> AuditReport:
    """``chains.audit`` of ``streams``; ``progress`` hears how many more streams are done."""
    if jobs <= 1 or len(streams) < 2 * jobs:
        with db.snapshot() as session:
            return audit(session, list(streams), lambda _stream: progress(1))
    size = -(-len(streams) // jobs)
    shares = [list(streams[i:i + size]) for i in range(0, len(streams), size)]
    report = AuditReport(streams=len(streams))
    with _pool(db, None, len(shares)) as pool:
        for share, part in zip(shares, pool.map(_verify_share, shares), strict=True):
            report.events += part.events
            report.broken.update(part.broken)
            progress(len(share))
    report.broken = dict(sorted(report.broken.items()))
    return report


def replay_cases(db: Database, runtime: StepRunner, ids: Sequence[int], jobs: int,
                 progress: Callable[[int], None] = lambda _done: None) -> ReplaySummary:
    """Replay ``ids``; ``progress`` hears how many more cases are done."""
    if jobs <= 1:
        return Replayer(db, runtime).replay_many(ids, lambda _result: progress(1))
    summary = ReplaySummary()
    chunks = [list(ids[i:i + CHUNK]) for i in range(0, len(ids), CHUNK)]
    with _pool(db, runtime, jobs) as pool:
        for part in pool.map(_replay_chunk, chunks):
            summary.cases += part.cases
            summary.verified += part.verified
            summary.diverged.extend(part.diverged)
            progress(part.cases)
    return summary


def _pool(db: Database, runtime: StepRunner | None, jobs: int) -> ProcessPoolExecutor:
    global _forked, _replayer
    _forked, _replayer = (db, runtime), None
    return ProcessPoolExecutor(jobs, mp_context=multiprocessing.get_context("fork"), initializer=_own_connections)


def _own_connections() -> None:
    """A forked process must not use its parent's database connections."""
    assert _forked is not None
    _forked[0].engine.dispose(close=False)


def _verify_share(streams: list[str]) -> AuditReport:
    assert _forked is not None
    with _forked[0].snapshot() as session:
        return audit(session, streams)


def _replay_chunk(ids: list[int]) -> ReplaySummary:
    global _replayer
    if _replayer is None:  # one per process: it keeps the parsed deployments for the next chunk
        assert _forked is not None and _forked[1] is not None
        _replayer = Replayer(_forked[0], _forked[1])
    return _replayer.replay_many(ids, chunk=CHUNK)
