"""Open user tasks as the runtime's actions read them: which instance a task belongs to (before its
instance is locked), the task re-read under that lock, and who holds it."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.models import UserTask


def instance_of(session: Session, task_id: str) -> int | None:
    """The instance of an open task (None: the task is not open)."""
    found: int | None = session.execute(
        select(UserTask.instance_id).where(UserTask.id == task_id)).scalar_one_or_none()
    return found


def reread(session: Session, task_id: str) -> UserTask | None:
    """The open task as it is now (after its instance was locked: a step may have closed it, or
    someone claimed it, meanwhile)."""
    return session.execute(
        select(UserTask).where(UserTask.id == task_id).execution_options(populate_existing=True)
    ).scalar_one_or_none()


def find(session: Session, task_id: str) -> UserTask | None:
    """The open task, from the session if it has it already."""
    return session.get(UserTask, task_id)


def set_claimant(task: UserTask, username: str | None) -> str | None:
    """Give the task to ``username`` (None: to nobody); returns who held it before."""
    previous, task.claimed_by = task.claimed_by, username
    return previous
