"""A meter reader's own segments (issue 13 item 7). The inbox lists a reader's segments' tasks
first (``inbox_rows.scope``); here, whether a reader may claim or open a task at all.

What was chosen: a task the diagram offered to someone (``offer_to``: the reader of the customer's
segment, M5.3) is that person's to do. Another reader may neither claim nor open it — unless it
was given to them (claimed by them, or reassigned to them by an approver) or they supervise its
lane (``InboxPolicy.may_take_over``: approvers, system administrators). People who read no segment
(an executor in the office) keep the lane's rules alone: they may take any task of their lane.
"""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy.orm import Session

from app.runtime.actors import Actor
from app.runtime.errors import Forbidden
from app.runtime.inbox import InboxPolicy
from storage import segments
from storage.models import UserTask


def is_reader(session: Session, actor: Actor) -> bool:
    """Whether the person reads a segment (storage.segments knows each segment's reader)."""
    return bool(segments.read_by(session, actor.name))


def others_task(task: UserTask, actor: Actor, policy: InboxPolicy, *, reader: bool) -> bool:
    """Whether ``task`` is another reader's, closed to this ``reader`` (True: they read a segment)."""
    return reader and task.offered_to not in (None, actor.name) and task.claimed_by != actor.name \
        and not policy.may_take_over(task, actor)


def refuse_others_task(session: Session, task: UserTask, actor: Actor, policy: InboxPolicy) -> None:
    """``Forbidden`` (a 403 with a message the reader can act on) when ``task`` is another reader's."""
    if task.offered_to in (None, actor.name) or task.claimed_by == actor.name:
        return  # the common case, decided without a query
    if others_task(task, actor, policy, reader=is_reader(session, actor)):
        raise Forbidden(_("This task is offered to {reader}, the reader of the customer's segment: only they may "
                          "take it. If you are to do it, ask a supervisor (an approver of the lane or a system "
                          "administrator) to reassign it to you.")
                        .format(reader=task.offered_to))
