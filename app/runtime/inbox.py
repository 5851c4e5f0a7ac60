"""Claim, unclaim and reassign open user tasks: the task list and the history only, no engine step.

Each records who held the task before and after as ``old`` → ``new`` (None: nobody), the same
shape as every other change in the history (issue 5).

Each action locks the task's instance row first, the same order a step takes (instance, then its
tasks), so an inbox action and a step on the same instance queue up instead of deadlocking.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from app.clock import Clock
from app.runtime.actors import Actor
from app.runtime.errors import NOT_OPEN, Conflict, Forbidden, NotFound
from app.runtime.events import history
from app.runtime.events.history import NewEvent
from app.translations import N_, Text
from storage import instance_rows, user_task_rows, users
from storage import step_statements as statements
from storage.db import Database
from storage.instance_rows import InstanceRow
from storage.models import UserTask


@dataclass(frozen=True)
class InboxPolicy:
    """Who may release or hand on a task someone else holds."""

    supervisors: frozenset[str] = field(default_factory=lambda: frozenset({"sysadmin"}))  # any lane
    lane_supervisors: frozenset[str] = field(default_factory=lambda: frozenset({"approver"}))  # in their lanes

    def may_take_over(self, task: UserTask, actor: Actor) -> bool:
        if actor.roles & self.supervisors:
            return True
        in_lane = task.lane is None or actor.has_role(task.lane)
        return in_lane and bool(actor.roles & self.lane_supervisors)


class Inbox:
    def __init__(self, db: Database, clock: Clock, policy: InboxPolicy | None = None) -> None:
        self.db, self.clock = db, clock
        self.policy = policy or InboxPolicy()

    def claim(self, task_id: str, actor: Actor) -> None:
        """Take an unclaimed task; if two people claim at once, one wins and the other is told."""
        with self.db.transaction() as session:
            row, task = _lock_open_task(session, task_id)
            require_lane_role(task, actor)
            if task.claimed_by == actor.name:
                return
            if task.claimed_by is not None:
                raise Conflict(Text(N_("task {task} is already claimed by {who}"), task=task_id, who=task.claimed_by))
            user_task_rows.set_claimant(task, actor.name)
            self._record(session, row, task, "task.claimed", actor, {"old": None, "new": actor.name})

    def unclaim(self, task_id: str, actor: Actor) -> None:
        with self.db.transaction() as session:
            row, task = _lock_open_task(session, task_id)
            if task.claimed_by is None:
                return
            if task.claimed_by != actor.name and not self.policy.may_take_over(task, actor):
                raise Forbidden(Text(N_("task {task} is claimed by {who}; only they can release it"), task=task_id,
                                     who=task.claimed_by))
            previous = user_task_rows.set_claimant(task, None)
            self._record(session, row, task, "task.unclaimed", actor, {"old": previous, "new": None})

    def reassign(self, task_id: str, to_username: str, actor: Actor) -> None:
        """Give a task to a user who holds its lane's role. Its claimant may hand it on; taking it
        from someone else needs a supervisor (a sysadmin, or an approver in the lane)."""
        with self.db.transaction() as session:
            row, task = _lock_open_task(session, task_id)
            supervising = self.policy.may_take_over(task, actor)
            if not supervising:
                require_lane_role(task, actor)
                if task.claimed_by not in (None, actor.name):
                    raise Forbidden(Text(N_("task {task} is claimed by {who}; only they or a supervisor "
                                            "can reassign it"), task=task_id, who=task.claimed_by))
            target = users.find(session, to_username)
            if target is None or not target.active:
                raise NotFound(Text(N_("no active user {user}"), user=to_username))
            if task.lane is not None and task.lane not in users.roles_of(session, target.id):
                raise Forbidden(Text(N_("{user} does not hold the role of this task ({role})"), user=to_username,
                                     role=task.lane))
            previous = user_task_rows.set_claimant(task, to_username)
            self._record(session, row, task, "task.reassigned", actor, {"old": previous, "new": to_username})

    def _record(self, session: Session, row: InstanceRow, task: UserTask, kind: str, actor: Actor,
                data: dict[str, object]) -> None:
        deployment_id = statements.deployment_of_version(session.connection(), row.process_version_id)
        history.append_to_instance(session, row, [NewEvent(kind, task.element_id, {"task_id": task.id, **data})],
                                   actor=actor.name, at=self.clock.now(), deployment_id=deployment_id)
        session.flush()
        instance_rows.save_history_head(session.connection(), row)


def _lock_open_task(session: Session, task_id: str) -> tuple[InstanceRow, UserTask]:
    not_open = NotFound(Text(NOT_OPEN, task=task_id))
    instance_id = user_task_rows.instance_of(session, task_id)
    if instance_id is None:
        raise not_open
    row = instance_rows.lock(session.connection(), instance_id)
    task = user_task_rows.reread(session, task_id)  # under the instance lock: a step may have closed it meanwhile
    if row is None or task is None:
        raise not_open
    return row, task


def require_lane_role(task: UserTask, actor: Actor) -> None:
    if task.lane is not None and not actor.has_role(task.lane):
        raise Forbidden(Text(N_("task {task} belongs to the {role} lane; {actor} lacks that role"), task=task.id,
                             role=task.lane, actor=actor.name))
