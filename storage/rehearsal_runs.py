"""Rehearsal runs of a draft revision on recorded cases (issue 12 item 5): the rows only; the
rehearsal itself (which cases, running them, the summary) is the workbench's rehearsal use case."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from storage.statuses import RehearsalStatus
from storage.workbench_models import DraftRevision, RehearsalRun


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


def runs_of_draft(session: Session, draft_id: int, limit: int = 50) -> list[RehearsalRunRecord]:
    """The rehearsals of every revision of a draft, newest first."""
    found = session.execute(select(RehearsalRun).join(DraftRevision, DraftRevision.id == RehearsalRun.revision_id)
                            .where(DraftRevision.draft_id == draft_id)
                            .order_by(RehearsalRun.id.desc()).limit(limit)).scalars()
    return [_record(row) for row in found]


def latest_done_of_revision(session: Session, revision_id: int) -> RehearsalRunRecord | None:
    """The revision's newest finished rehearsal (what the approver reads on the proposal), or None."""
    found = session.execute(select(RehearsalRun).where(RehearsalRun.revision_id == revision_id,
                                                       RehearsalRun.status == RehearsalStatus.DONE.value)
                            .order_by(RehearsalRun.id.desc()).limit(1)).scalar_one_or_none()
    return _record(found) if found is not None else None


def claim_next(session: Session) -> RehearsalRunRecord | None:
    """The oldest queued rehearsal, now ``running`` (PostgreSQL: a row another worker holds is
    skipped, so two workers never take the same run)."""
    found = session.execute(select(RehearsalRun).where(RehearsalRun.status == RehearsalStatus.QUEUED.value)
                            .order_by(RehearsalRun.id).limit(1)
                            .with_for_update(skip_locked=True)).scalar_one_or_none()
    if found is None:
        return None
    found.status = RehearsalStatus.RUNNING.value
    session.flush()
    return _record(found)


def requeue_running(session: Session) -> int:
    """Queue again every run marked running (their worker stopped); returns how many."""
    return session.connection().execute(
        update(RehearsalRun).where(RehearsalRun.status == RehearsalStatus.RUNNING.value)
        .values(status=RehearsalStatus.QUEUED.value, done=0)).rowcount


def set_progress(session: Session, run_id: int, done: int, total: int) -> None:
    session.execute(update(RehearsalRun).where(RehearsalRun.id == run_id).values(done=done, total=total))


def finish(session: Session, run_id: int, summary: dict[str, Any], cases: list[Any], finished_at: datetime) -> None:
    session.execute(update(RehearsalRun).where(RehearsalRun.id == run_id).values(
        status=RehearsalStatus.DONE.value, summary=summary, cases=cases, done=len(cases), total=len(cases),
        finished_at=finished_at))


def fail(session: Session, run_id: int, error: str, finished_at: datetime) -> None:
    session.execute(update(RehearsalRun).where(RehearsalRun.id == run_id).values(
        status=RehearsalStatus.FAILED.value, error=error, finished_at=finished_at))


def _record(row: RehearsalRun) -> RehearsalRunRecord:
    return RehearsalRunRecord(row.id, row.revision_id, row.requested_by, row.requested_at, dict(row.scope),
                              RehearsalStatus(row.status), row.done, row.total, row.summary, row.cases,
                              row.finished_at, row.error)
