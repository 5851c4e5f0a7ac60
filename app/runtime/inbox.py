"""Claim, unclaim and reassign open user tasks: the task list and the history only, no engine step."""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from app.clock import Clock
from app.runtime import history
from app.runtime.actors import Actor
from app.runtime.errors import Conflict, Forbidden, NotFound
from app.runtime.history import NewEvent
from storage import users
from storage.db import Database
from storage.models import Instance, ProcessVersion, UserTask

SYSADMIN = "sysadmin"


class Inbox:
    def __init__(self, db: Database, clock: Clock) -> None:
        self.db, self.clock = db, clock

    def claim(self, task_id: str, actor: Actor) -> None:
        """Take an unclaimed task; if two people claim at once, one wins and the other is told."""
        with self.db.transaction() as session:
            task = _open_task(session, task_id)
            require_lane_role(task, actor)
            if task.claimed_by == actor.name:
                return
            result = session.execute(
                update(UserTask).where(UserTask.id == task_id, UserTask.claimed_by.is_(None))
                .values(claimed_by=actor.name)
            )
            taken = getattr(result, "rowcount", 0)
            if not taken:
                session.refresh(task)
                raise Conflict(f"task {task_id} is already claimed by {task.claimed_by}")
            self._record(session, task, "task.claimed", actor, {"by": actor.name})

    def unclaim(self, task_id: str, actor: Actor) -> None:
        with self.db.transaction() as session:
            task = _open_task(session, task_id, lock=True)
            if task.claimed_by is None:
                return
            if task.claimed_by != actor.name and not actor.has_role(SYSADMIN):
                raise Forbidden(f"task {task_id} is claimed by {task.claimed_by}; only they can release it")
            previous, task.claimed_by = task.claimed_by, None
            self._record(session, task, "task.unclaimed", actor, {"previous": previous})

    def reassign(self, task_id: str, to_username: str, actor: Actor) -> None:
        """Give a task to another user who holds the lane's role (actor must hold it, or be sysadmin)."""
        with self.db.transaction() as session:
            task = _open_task(session, task_id, lock=True)
            if not actor.has_role(SYSADMIN):
                require_lane_role(task, actor)
            target = users.find(session, to_username)
            if target is None or not target.active:
                raise NotFound(f"no active user {to_username}")
            if task.lane is not None and task.lane not in users.roles_of(session, target.id):
                raise Forbidden(f"{to_username} does not hold the {task.lane!r} role of this task")
            previous, task.claimed_by = task.claimed_by, to_username
            self._record(session, task, "task.reassigned", actor, {"old": previous, "new": to_username})

    def _record(self, session: Session, task: UserTask, kind: str, actor: Actor, data: dict[str, object]) -> None:
        deployment_id = session.execute(
            select(ProcessVersion.deployment_id).join(Instance, Instance.process_version_id == ProcessVersion.id)
            .where(Instance.id == task.instance_id)
        ).scalar_one()
        history.append(session, history.instance_stream(task.instance_id),
                       [NewEvent(kind, task.element_id, {"task_id": task.id, **data})],
                       actor=actor.name, at=self.clock.now(), instance_id=task.instance_id,
                       deployment_id=deployment_id)


def _open_task(session: Session, task_id: str, *, lock: bool = False) -> UserTask:
    task = session.execute(
        select(UserTask).where(UserTask.id == task_id).with_for_update(of=UserTask) if lock
        else select(UserTask).where(UserTask.id == task_id)
    ).scalar_one_or_none()
    if task is None:
        raise NotFound(f"task {task_id} is not open (completed, cancelled or never existed)")
    return task


def require_lane_role(task: UserTask, actor: Actor) -> None:
    if task.lane is not None and not actor.has_role(task.lane):
        raise Forbidden(f"task {task.id} belongs to the {task.lane!r} lane; {actor.name} lacks that role")
