"""Saving a step: state, projections, attributes, outbox, children and history in one transaction."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from SpiffWorkflow.bpmn import BpmnWorkflow
from sqlalchemy.orm import Session

from app.runtime.canonical import json_safe
from app.runtime.history import NewEvent
from app.runtime.projection import AwaitedMessage, OpenUserTask, awaited_messages, next_wake_at, open_user_tasks
from app.runtime.services import StepEffects
from storage import instance_rows
from storage import step_statements as statements
from storage.instance_rows import InstanceRow
from storage.models import InstanceAttribute

RUNNING, INCIDENT, SUSPENDED, COMPLETED, TERMINATED, CREATED = (
    "running", "incident", "suspended", "completed", "terminated", "created",
)
ENDED = (COMPLETED, TERMINATED)


def save_projections(session: Session, row: InstanceRow, workflow: BpmnWorkflow, now: datetime) -> list[AwaitedMessage]:
    """Status, next wake-up, open user tasks and awaited messages; returns the newly awaited ones.

    The row remembers what the projections held after the last step, so only changes are written.
    """
    if workflow.completed and row.status in (RUNNING, CREATED):
        row.status, row.ended_at = COMPLETED, now
        row.result = json_safe(workflow.data.get("result"))
    elif row.status == CREATED:
        row.status = RUNNING
    active = row.status in (RUNNING, INCIDENT, SUSPENDED)
    row.next_wake_at = next_wake_at(workflow) if active else None
    _sync_user_tasks(session, row, open_user_tasks(workflow) if active else [], now)
    return _sync_awaited(session, row, awaited_messages(workflow) if active else [])


def _sync_user_tasks(session: Session, row: InstanceRow, tasks: list[OpenUserTask], now: datetime) -> None:
    # Diff rather than replace: a claim on a task that is still open must survive the step.
    existing, wanted = set(row.open_tasks or []), {task.id: task for task in tasks}
    gone = existing - wanted.keys()
    new = [task for task_id, task in wanted.items() if task_id not in existing]
    statements.replace_user_tasks(session.connection(), gone, [
        {"id": t.id, "instance_id": row.id, "element_id": t.element_id, "name": t.name,
         "lane": t.lane, "claimed_by": None, "created_at": now} for t in new
    ])
    if gone or new:
        row.open_tasks = sorted(wanted)


def _sync_awaited(session: Session, row: InstanceRow, awaited: list[AwaitedMessage]) -> list[AwaitedMessage]:
    before = {tuple(pair) for pair in row.awaiting or []}
    now_awaited = {(m.message_name, m.correlation) for m in awaited}
    if now_awaited == before:
        return []
    statements.replace_waiting(session.connection(), row.id, bool(before), [
        {"instance_id": row.id, "message_name": m.message_name, "correlation": m.correlation,
         "correlations": m.correlations} for m in awaited
    ])
    row.awaiting = sorted([list(pair) for pair in now_awaited])
    return [m for m in awaited if (m.message_name, m.correlation) not in before]


def save_effects(session: Session, row: InstanceRow, effects: StepEffects, now: datetime) -> list[NewEvent]:
    """Attributes and outbox rows of the step; returns the history events describing them."""
    events: list[NewEvent] = []
    for name, value in effects.attributes.items():
        old = session.get(InstanceAttribute, (row.id, name))
        if value is None and old is not None:
            session.delete(old)
        elif value is not None and old is None:
            session.add(InstanceAttribute(instance_id=row.id, name=name, value=value))
        elif old is not None and value is not None:
            old.value = value
        events.append(NewEvent("attribute.set", None, {"name": name, "old": old and old.value, "new": value}))
    if effects.outbox:
        statements.insert_outbox(session.connection(), [
            {"instance_id": row.id, "adapter": item.adapter, "idempotency_key": item.idempotency_key,
             "payload": item.payload, "status": "pending", "attempts": 0, "next_attempt_at": now,
             "created_at": now} for item in effects.outbox
        ])
        events.extend(NewEvent("outbox.queued", None, {"adapter": item.adapter, "key": item.idempotency_key,
                                                       "payload": item.payload}) for item in effects.outbox)
    return events


def create_children(session: Session, row: InstanceRow, effects: StepEffects, version_for: Any, actor: str,
                    now: datetime) -> list[int]:
    """Child rows (status ``created``); each child starts in a step of its own after commit."""
    child_ids: list[int] = []
    for request in effects.children:
        version_id = version_for(session, request.process_id)
        for item in request.items:
            child = instance_rows.insert_new(session.connection(), {
                "process_version_id": version_id, "process_id": request.process_id, "status": CREATED,
                "start_data": item, "parent_id": row.id, "notify_parent": request.done_message,
                "started_by": actor, "created_at": now, "updated_at": now,
            })
            child_ids.append(child.id)
        row.open_children += len(request.items)
    return child_ids


def child_ended(session: Session, child: InstanceRow) -> int | None:
    """Count a child's end on its parent in O(1); return the parent's id when it was the last."""
    if child.parent_id is None:
        return None
    remaining = statements.child_ended(session.connection(), child.parent_id)
    return child.parent_id if remaining == 0 else None


