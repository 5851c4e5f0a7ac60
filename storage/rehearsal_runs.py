"""Rehearsal runs of a draft revision on recorded cases (issue 12 item 5): the rows only; the
rehearsal itself (which cases, running them, the summary) is the workbench's rehearsal use case."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.statuses import RehearsalStatus
from storage.workbench_models import RehearsalRun


@dataclass(frozen=True)
class RehearsalRunRecord:
    id: int
    revision_id: int
    requested_by: str
    requested_at: datetime
    scope: dict[str, Any]
    status: RehearsalStatus
    done: int
    total: int
    summary: dict[str, Any] | None
    cases: list[Any] | None
    finished_at: datetime | None
    error: str | None


def insert_run(session: Session, revision_id: int, requested_by: str, requested_at: datetime,
               scope: dict[str, Any]) -> int:
    """Queue a rehearsal of a revision; returns its id."""
    run = RehearsalRun(revision_id=revision_id, requested_by=requested_by, requested_at=requested_at, scope=scope,
                       status=RehearsalStatus.QUEUED, done=0, total=0)
    session.add(run)
    session.flush()
    return run.id


def run(session: Session, run_id: int) -> RehearsalRunRecord | None:
    found = session.get(RehearsalRun, run_id)
    return None if found is None else _record(found)


def runs_of(session: Session, revision_id: int) -> list[RehearsalRunRecord]:
    """A revision's rehearsals, newest first."""
    found = session.execute(select(RehearsalRun).where(RehearsalRun.revision_id == revision_id)
                            .order_by(RehearsalRun.id.desc())).scalars()
    return [_record(row) for row in found]


def _record(row: RehearsalRun) -> RehearsalRunRecord:
    return RehearsalRunRecord(row.id, row.revision_id, row.requested_by, row.requested_at, dict(row.scope),
                              RehearsalStatus(row.status), row.done, row.total, row.summary, row.cases,
                              row.finished_at, row.error)
