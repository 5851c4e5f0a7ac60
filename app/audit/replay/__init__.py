"""Replay (issue 5): rebuild a case from its deployment's BPMN and its recorded inputs, and
check the result against the recorded history. ``Replayer.replay`` for one case,
``Replayer.replay_many`` for a batch; the CLI is ``relayflow replay``."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial

from sqlalchemy.orm import Session

from app.audit.replay.driver import CaseReplay
from app.audit.replay.recorded import CaseNotFound, RecordedCase, RecordedEvent, recorded_case, recorded_cases
from app.audit.replay.result import Divergence, ReplayResult
from app.audit.replay.source import DeploymentSources, SourceChanged
from app.runtime.steps.core import StepRunner
from storage import replay_rows
from storage.db import Database

__all__ = ["CaseNotFound", "Divergence", "ReplayResult", "ReplaySummary", "Replayer", "replay_instance"]


@dataclass
class ReplaySummary:
    cases: int = 0
    verified: int = 0
    diverged: list[ReplayResult] = field(default_factory=list)

    def add(self, result: ReplayResult) -> None:
        self.cases += 1
        if result.verified:
            self.verified += 1
        else:
            self.diverged.append(result)


class Replayer:
    """Replays cases of one database; parsed deployments are kept for the next case."""

    def __init__(self, db: Database, runtime: StepRunner) -> None:
        self.db, self.runtime = db, runtime
        self.sources = DeploymentSources()

    def replay(self, instance_id: int, trace: Callable[[RecordedEvent], None] | None = None) -> ReplayResult:
        """``CaseNotFound`` if there is no such instance."""
        with self.db.reading() as session:
            return self._replay(session, recorded_case(session, instance_id), trace)

    def replay_many(self, instance_ids: Iterable[int], advance: Callable[[ReplayResult], None] | None = None,
                    chunk: int = 200) -> ReplaySummary:
        """Replay many cases, reading them ``chunk`` at a time; ids of instances gone meanwhile are
        skipped (``audit verify`` is the check for that)."""
        summary = ReplaySummary()
        ids = list(instance_ids)
        for start in range(0, len(ids), chunk):
            with self.db.reading() as session:
                for case in recorded_cases(session, ids[start:start + chunk]).values():
                    result = self._replay(session, case, None)
                    summary.add(result)
                    if advance is not None:
                        advance(result)
        return summary

    def instances_since(self, since: datetime | None) -> list[int]:
        with self.db.reading() as session:
            return replay_rows.instance_ids(session, since)

    def _replay(self, session: Session, case: RecordedCase,
                trace: Callable[[RecordedEvent], None] | None) -> ReplayResult:
        started_on = started_deployment(case)
        try:
            specs = self.sources.specs(session, started_on, case.process_id)
        except SourceChanged as changed:
            return _result(case, 0, Divergence(None, f"deployment {started_on} as deployed", str(changed)))
        replay = CaseReplay(case, specs, self.runtime.environment, trace, deployment_id=started_on,
                            specs_in=partial(self.sources.specs, session, process_id=case.process_id))
        divergence = replay.run()
        return _result(case, replay.matched, divergence)


def started_deployment(case: RecordedCase) -> int:
    """The deployment the case started on: its first event's (a case moved since runs on another now)."""
    return next((event.deployment_id for event in case.events if event.deployment_id is not None),
                case.deployment_id)


def replay_instance(db: Database, runtime: StepRunner, instance_id: int) -> ReplayResult:
    return Replayer(db, runtime).replay(instance_id)


def _result(case: RecordedCase, compared: int, divergence: Divergence | None) -> ReplayResult:
    return ReplayResult(case.instance_id, case.process_id, case.deployment_id, compared, divergence)
