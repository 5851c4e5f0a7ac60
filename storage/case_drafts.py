"""Cases that are still drafts (issue 13 item 6): a case whose start event names a ``draft_until``
task is its author's draft until that task is first completed — hidden from others' inboxes and
lists, left out of reports, and discardable by its author. A submitted case's row is deleted; a
discarded draft's row stays (with who and when), so it stays out of every count."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, ForeignKey, String, delete, insert, select
from sqlalchemy.orm import InstrumentedAttribute, Mapped, Session, mapped_column

from storage.models import ID, Base, Instance, UserTask


class CaseDraft(Base):
    __tablename__ = "case_drafts"

    instance_id: Mapped[int] = mapped_column(ID, ForeignKey("instances.id"), primary_key=True)
    author: Mapped[str] = mapped_column(String(64), index=True)
    until_element: Mapped[str] = mapped_column(String(255))  # the task whose completion submits it
    created_at: Mapped[datetime]
    discarded_at: Mapped[datetime | None]


@dataclass(frozen=True)
class Draft:
    """One of a person's drafts, as their start page lists it."""

    instance_id: int
    process_id: str
    created_at: datetime
    task_id: str | None  # the draft's open task (the form to go on with), if any


def mark(session: Session, instance_id: int, author: str, until_element: str, now: datetime) -> None:
    session.execute(insert(CaseDraft).values(instance_id=instance_id, author=author, until_element=until_element,
                                             created_at=now))


def submitted(session: Session, instance_id: int, element_id: str) -> bool:
    """The draft ends when its ``until_element`` task is completed; whether it was a draft until now."""
    gone = session.execute(delete(CaseDraft).where(CaseDraft.instance_id == instance_id,
                                                   CaseDraft.until_element == element_id,
                                                   CaseDraft.discarded_at.is_(None)))
    return bool(getattr(gone, "rowcount", 0))


def open_draft(session: Session, instance_id: int) -> CaseDraft | None:
    """The instance's draft row while it is a draft (not submitted, not discarded)."""
    return session.execute(select(CaseDraft).where(CaseDraft.instance_id == instance_id,
                                                   CaseDraft.discarded_at.is_(None))).scalar_one_or_none()


def drafts_of(session: Session, author: str, process_id: str, *, limit: int) -> list[Draft]:
    """The author's drafts of ``process_id`` still open, newest first, each with its open task."""
    rows = session.execute(
        select(Instance.id, Instance.process_id, CaseDraft.created_at, UserTask.id)
        .join(CaseDraft, CaseDraft.instance_id == Instance.id)
        .outerjoin(UserTask, UserTask.instance_id == Instance.id)
        .where(CaseDraft.author == author, CaseDraft.discarded_at.is_(None), Instance.process_id == process_id)
        .order_by(Instance.id.desc()).limit(limit)).all()
    return [Draft(row[0], row[1], row[2], row[3]) for row in rows]


def hidden_from(username: str, instance_id: InstrumentedAttribute[int]) -> ColumnElement[bool]:
    """A query condition: the instance is no one's draft but (perhaps) ``username``'s own."""
    return instance_id.not_in(select(CaseDraft.instance_id).where(CaseDraft.author != username))


def mark_discarded(session: Session, instance_id: int, now: datetime) -> None:
    draft = session.get(CaseDraft, instance_id)
    if draft is not None:
        draft.discarded_at = now
