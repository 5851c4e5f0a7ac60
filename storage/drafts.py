"""Drafts of a process bundle and their revisions (issue 12): each save is a new revision,
numbered 1, 2, 3… per draft, holding every file of the bundle and the check's problems."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from storage.statuses import DraftStatus
from storage.workbench_models import DraftRevision, ProcessDraft


@dataclass(frozen=True)
class DraftRecord:
    id: int
    process_id: str
    title: str
    created_by: str
    created_at: datetime
    based_on_deployment_id: int | None
    status: DraftStatus


@dataclass(frozen=True)
class RevisionSummary:
    """A revision without its files."""

    id: int
    draft_id: int
    n: int
    author: str
    saved_at: datetime
    has_errors: bool


@dataclass(frozen=True)
class RevisionRecord:
    """A revision: its files {name: xml text} and the problems the check found at save."""

    summary: RevisionSummary
    files: dict[str, str]
    problems: list[dict[str, Any]]


@dataclass(frozen=True)
class DraftSummary:
    """A draft with its latest revision (None: never saved), as the library lists it."""

    draft: DraftRecord
    latest: RevisionSummary | None


_DRAFT_COLUMNS = (ProcessDraft.id, ProcessDraft.process_id, ProcessDraft.title, ProcessDraft.created_by,
                  ProcessDraft.created_at, ProcessDraft.based_on_deployment_id, ProcessDraft.status)
_SUMMARY_COLUMNS = (DraftRevision.id, DraftRevision.draft_id, DraftRevision.n, DraftRevision.author,
                    DraftRevision.saved_at, DraftRevision.has_errors)


def _draft(row: Any) -> DraftRecord:
    return DraftRecord(row[0], row[1], row[2], row[3], row[4], row[5], DraftStatus(row[6]))


def _summary(row: Any) -> RevisionSummary:
    return RevisionSummary(row[0], row[1], row[2], row[3], row[4], bool(row[5]))


def insert_draft(session: Session, process_id: str, title: str, created_by: str, created_at: datetime,
                 based_on_deployment_id: int | None) -> int:
    """Add an open draft; returns its id."""
    draft = ProcessDraft(process_id=process_id, title=title, created_by=created_by, created_at=created_at,
                         based_on_deployment_id=based_on_deployment_id, status=DraftStatus.OPEN)
    session.add(draft)
    session.flush()
    return draft.id


def draft(session: Session, draft_id: int, *, lock: bool = False) -> DraftRecord | None:
    """A draft; ``lock``: hold its row until commit (a save or a proposal serializes on it)."""
    query = select(*_DRAFT_COLUMNS).where(ProcessDraft.id == draft_id)
    row = session.execute(query.with_for_update() if lock else query).first()
    return None if row is None else _draft(row)


def set_draft_status(session: Session, draft_id: int, status: DraftStatus) -> None:
    session.execute(update(ProcessDraft).where(ProcessDraft.id == draft_id).values(status=status.value))


def insert_revision(session: Session, draft_id: int, author: str, saved_at: datetime, files: dict[str, str],
                    problems: list[dict[str, Any]], has_errors: bool) -> RevisionSummary:
    """Add the draft's next revision (the caller holds the draft's lock; the unique (draft, n)
    refuses a second writer that did not)."""
    latest = session.execute(select(func.max(DraftRevision.n)).where(DraftRevision.draft_id == draft_id)).scalar_one()
    revision = DraftRevision(draft_id=draft_id, n=int(latest or 0) + 1, author=author, saved_at=saved_at,
                             files=dict(files), problems=list(problems), has_errors=has_errors)
    session.add(revision)
    session.flush()
    return RevisionSummary(revision.id, draft_id, revision.n, author, saved_at, has_errors)


def latest_revision(session: Session, draft_id: int) -> RevisionRecord | None:
    row = session.execute(select(*_SUMMARY_COLUMNS, DraftRevision.files, DraftRevision.problems)
                          .where(DraftRevision.draft_id == draft_id)
                          .order_by(DraftRevision.n.desc()).limit(1)).first()
    return None if row is None else RevisionRecord(_summary(row), dict(row[6]), list(row[7]))


def revision(session: Session, revision_id: int) -> RevisionRecord | None:
    row = session.execute(select(*_SUMMARY_COLUMNS, DraftRevision.files, DraftRevision.problems)
                          .where(DraftRevision.id == revision_id)).first()
    return None if row is None else RevisionRecord(_summary(row), dict(row[6]), list(row[7]))


def revisions(session: Session, draft_id: int) -> list[RevisionSummary]:
    """Every revision of a draft, newest first."""
    rows = session.execute(select(*_SUMMARY_COLUMNS).where(DraftRevision.draft_id == draft_id)
                           .order_by(DraftRevision.n.desc()))
    return [_summary(row) for row in rows]


def revision_files(session: Session, revision_id: int) -> dict[str, bytes] | None:
    """A revision's files as UTF-8 bytes, by name (what a deploy, a compare or a rehearsal reads);
    None when there is no such revision."""
    files = session.execute(select(DraftRevision.files).where(DraftRevision.id == revision_id)).scalar_one_or_none()
    return None if files is None else {name: str(text).encode("utf-8") for name, text in files.items()}


def revision_process_id(session: Session, revision_id: int) -> str | None:
    """The process whose draft the revision belongs to; None when there is no such revision."""
    return session.execute(select(ProcessDraft.process_id)
                           .join(DraftRevision, DraftRevision.draft_id == ProcessDraft.id)
                           .where(DraftRevision.id == revision_id)).scalar_one_or_none()


def drafts_of(session: Session, process_ids: Collection[str] | None = None,
              statuses: Collection[DraftStatus] = (DraftStatus.OPEN, DraftStatus.PROPOSED)) -> list[DraftSummary]:
    """Drafts (of the given processes; None: of all) in the given statuses, newest first, each with
    its latest revision."""
    query = select(*_DRAFT_COLUMNS).where(ProcessDraft.status.in_([status.value for status in statuses]))
    if process_ids is not None:
        query = query.where(ProcessDraft.process_id.in_(list(process_ids)))
    found = [_draft(row) for row in session.execute(query.order_by(ProcessDraft.id.desc()))]
    if not found:
        return []
    latest_n = (select(DraftRevision.draft_id, func.max(DraftRevision.n).label("n"))
                .where(DraftRevision.draft_id.in_([d.id for d in found])).group_by(DraftRevision.draft_id).subquery())
    rows = session.execute(select(*_SUMMARY_COLUMNS).join(latest_n, (latest_n.c.draft_id == DraftRevision.draft_id)
                                                          & (latest_n.c.n == DraftRevision.n)))
    latest = {summary.draft_id: summary for summary in map(_summary, rows)}
    return [DraftSummary(d, latest.get(d.id)) for d in found]
