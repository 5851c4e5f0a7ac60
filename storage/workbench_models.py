"""The analysts' workbench: drafts of a process bundle, their saved revisions, proposals to deploy
one, and rehearsals of a revision on recorded cases (issue 12)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from storage.models import ID, Base


class ProcessDraft(Base):
    """A draft of the bundle a process is deployed in (all its files: files that call each other
    are edited and deployed together)."""

    __tablename__ = "process_drafts"
    __table_args__ = (Index("ix_process_drafts_process", "process_id", "status"),)

    id: Mapped[int] = mapped_column(ID, primary_key=True)
    process_id: Mapped[str] = mapped_column(String(255))
    title: Mapped[str] = mapped_column(String(200))
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime]
    based_on_deployment_id: Mapped[int | None] = mapped_column(ForeignKey("deployments.id"))
    status: Mapped[str] = mapped_column(String(16))


class DraftRevision(Base):
    """One save of a draft: every file of the bundle, and what the deploy's check said of them.

    The files are one JSON object {name: xml text}, not child rows: a revision is an immutable
    snapshot that is always written, read, checked and deployed whole, and never queried by file.
    """

    __tablename__ = "draft_revisions"
    __table_args__ = (UniqueConstraint("draft_id", "n"),)

    id: Mapped[int] = mapped_column(ID, primary_key=True)
    draft_id: Mapped[int] = mapped_column(ForeignKey("process_drafts.id"), index=True)
    n: Mapped[int]
    author: Mapped[str] = mapped_column(String(64))
    saved_at: Mapped[datetime]
    files: Mapped[dict[str, Any]]
    problems: Mapped[list[Any]]
    has_errors: Mapped[bool]


class Proposal(Base):
    """A request to deploy a draft revision, decided by a sysadmin who did not make it."""

    __tablename__ = "proposals"
    __table_args__ = (Index("ix_proposals_status", "status", "draft_id"),)

    id: Mapped[int] = mapped_column(ID, primary_key=True)
    draft_id: Mapped[int] = mapped_column(ForeignKey("process_drafts.id"), index=True)
    revision_id: Mapped[int] = mapped_column(ForeignKey("draft_revisions.id"))
    proposed_by: Mapped[str] = mapped_column(String(64))
    proposed_at: Mapped[datetime]
    comment: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16))
    decided_by: Mapped[str | None] = mapped_column(String(64))
    decided_at: Mapped[datetime | None]
    opinion: Mapped[str | None] = mapped_column(Text)
    deployment_id: Mapped[int | None] = mapped_column(ForeignKey("deployments.id"))


class RehearsalRun(Base):
    """A rehearsal of a revision on recorded cases: its progress and results (kept with the revision)."""

    __tablename__ = "rehearsal_runs"

    id: Mapped[int] = mapped_column(ID, primary_key=True)
    revision_id: Mapped[int] = mapped_column(ForeignKey("draft_revisions.id"), index=True)
    requested_by: Mapped[str] = mapped_column(String(64))
    requested_at: Mapped[datetime]
    scope: Mapped[dict[str, Any]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(16))
    done: Mapped[int] = mapped_column(default=0)
    total: Mapped[int] = mapped_column(default=0)
    summary: Mapped[dict[str, Any] | None]
    cases: Mapped[list[Any] | None]
    finished_at: Mapped[datetime | None]
    error: Mapped[str | None] = mapped_column(Text)
