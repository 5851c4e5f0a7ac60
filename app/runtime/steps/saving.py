"""Saving a step: state, projections, attributes, outbox, children and history in one transaction."""

from __future__ import annotations

from datetime import datetime

from SpiffWorkflow.bpmn import BpmnWorkflow
from sqlalchemy.orm import Session

from app.runtime.engine.projection import (
    AwaitedMessage,
    OpenUserTask,
    awaited_messages,
    completed,
    next_wake_at,
    offered_to,
    open_user_tasks,
    result,
)
from app.runtime.events.history import NewEvent
from app.runtime.steps.services import ChildrenRequest, StepEffects
from storage import instance_rows, outbox_rows
from storage import step_statements as statements
from storage.instance_rows import InstanceRow
from storage.statuses import InstanceStatus, OutboxStatus

# A step runs on an instance in these: a created one's first step, a running one's every other.
STEPPING = (InstanceStatus.RUNNING, InstanceStatus.CREATED)


def save_projections(session: Session, row: InstanceRow, workflow: BpmnWorkflow, now: datetime) -> list[AwaitedMessage]:
    """Status, next wake-up, open user tasks and awaited messages; returns the newly awaited ones.

    The row remembers what the projections held after the last step, so only changes are written.
    """
    if completed(workflow) and row.status in STEPPING:
        row.status, row.ended_at, row.result = InstanceStatus.COMPLETED, now, result(workflow)
    elif row.status == InstanceStatus.CREATED:
        row.status = InstanceStatus.RUNNING
    active = row.status in (InstanceStatus.RUNNING, InstanceStatus.INCIDENT, InstanceStatus.SUSPENDED)
    row.next_wake_at = next_wake_at(workflow) if active else None
    _sync_user_tasks(session, row, workflow, open_user_tasks(workflow) if active else [], now)
    return _sync_awaited(session, row, awaited_messages(workflow) if active else [])


def _sync_user_tasks(session: Session, row: InstanceRow, workflow: BpmnWorkflow, tasks: list[OpenUserTask],
                     now: datetime) -> None:
    # Diff rather than replace: a claim on a task that is still open must survive the step.
    existing, wanted = set(row.open_tasks or []), {task.id: task for task in tasks}
    gone = existing - wanted.keys()
    new = [task for task_id, task in wanted.items() if task_id not in existing]
    statements.replace_user_tasks(session.connection(), gone, [
        {"id": t.id, "instance_id": row.id, "process_id": row.process_id, "element_id": t.element_id, "name": t.name,
         "lane": t.lane, "lane_name": t.lane_name,
         "claimed_by": None, "offered_to": offered_to(workflow, t), "created_at": now,
         "due_at": now + t.due_in if t.due_in is not None else None} for t in new
    ], [{"task_id": t.id, "customer_number": number} for t in new for number in t.customers])
    # the customers stay the case's after its tasks close: their page and the case search find it
    statements.remember_case_customers(session.connection(), row.id, [n for t in new for n in t.customers])
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
    events = _save_attributes(session, row, effects.attributes)
    if effects.outbox:
        outbox_rows.queue(session.connection(), [
            {"instance_id": row.id, "adapter": item.adapter, "idempotency_key": item.idempotency_key,
             "payload": item.payload, "status": OutboxStatus.PENDING.value, "attempts": 0, "next_attempt_at": now,
             "created_at": now} for item in effects.outbox
        ])
        events.extend(NewEvent("outbox.queued", None, {"adapter": item.adapter, "key": item.idempotency_key,
                                                       "payload": item.payload}) for item in effects.outbox)
    return events


def _save_attributes(session: Session, row: InstanceRow, attributes: dict[str, str | None]) -> list[NewEvent]:
    """Set (or clear, with None) searchable attributes: one read of the old values, and none at all
    on an instance's first step, which has no attributes yet."""
    if not attributes:
        return []
    conn = session.connection()
    old = statements.attribute_values(conn, row.id, attributes) if row.revision > 1 else {}
    statements.write_attributes(conn, row.id, old, attributes)
    return [NewEvent("attribute.set", None, {"name": n, "old": old.get(n), "new": v}) for n, v in attributes.items()]


def create_children(session: Session, row: InstanceRow, request: ChildrenRequest, version_id: int, actor: str,
                    now: datetime) -> tuple[int, list[int]]:
    """A batch and its child rows (status ``created``); each child starts in a step of its own."""
    conn = session.connection()
    batch_id = statements.insert_batch(conn, {
        "parent_id": row.id, "done_message": request.done_message, "size": len(request.items),
        "open_count": len(request.items), "created_at": now, "results_in_message": request.with_results,
    })
    child_ids = [
        instance_rows.insert_new(conn, {
            "process_version_id": version_id, "process_id": request.process_id, "status": InstanceStatus.CREATED,
            "start_data": item, "parent_id": row.id, "batch_id": batch_id, "started_by": actor,
            "created_at": now, "updated_at": now,
        }).id
        for item in request.items
    ]
    return batch_id, child_ids


def child_ended(session: Session, child: InstanceRow) -> tuple[int, str] | None:
    """Count a child's end on its batch in O(1); (parent id, done message) when it was the last."""
    if child.batch_id is None:
        return None
    batch = statements.child_ended(session.connection(), child.batch_id)
    return (batch.parent_id, batch.done_message) if batch.open_count == 0 else None


