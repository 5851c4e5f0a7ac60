"""What happens next in a case, read from the engine's state after a step (issue 13 item 5): the
user tasks open now (with their lane), the timers it waits on (with their due time), the messages
it awaits, its children still running, or that it has ended — and what the step just queued to
send. One reading for every success message, so none restates a diagram in prose.

Read-only, like ``ready_task``: the workflow is decoded from the saved state, never stepped.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.specs.event_definitions.message import MessageEventDefinition
from SpiffWorkflow.task import TaskState
from sqlalchemy.orm import Session

from app.runtime.engine.pending_timers import pending_timers
from app.runtime.engine.projection import customers_named
from app.runtime.reading.instance_detail import require_record
from storage import instance_listing, instance_records, instance_rows
from storage.instance_records import OpenTask
from storage.instances import attributes_of
from storage.statuses import ACTIVE_INSTANCE, ENDED_INSTANCE

if TYPE_CHECKING:
    from app.runtime.steps.core import StepRunner


@dataclass(frozen=True)
class Waiting:
    """A timer (with its due time) or a message the case waits on, by its element's name."""

    element_id: str | None
    name: str | None
    due: datetime | None = None


@dataclass(frozen=True)
class WhatsNext:
    instance_id: int
    process_id: str
    process_name: str | None
    parent_id: int | None
    status: str
    status_reason: str | None
    customers: tuple[str, ...]  # the customers the case names (a batch's list, or its one customer)
    attributes: dict[str, str]  # work-order numbers, customer, segment
    tasks: list[OpenTask] = field(default_factory=list)
    timers: list[Waiting] = field(default_factory=list)
    messages: list[Waiting] = field(default_factory=list)
    children_running: int = 0
    # What its last step queued to send, per adapter: the outbox rows written at the step's time (two
    # steps of one case at the very same instant read as one).
    queued: dict[str, int] = field(default_factory=dict)

    @property
    def ended(self) -> bool:
        return self.status in ENDED_INSTANCE


def whats_next(runner: StepRunner, session: Session, instance_id: int) -> WhatsNext:
    """The case ``instance_id`` as its last committed step left it."""
    record = require_record(session, instance_id)
    workflow = _workflow(runner, session, instance_id)
    _, by_status = instance_listing.children_of(session, instance_id, limit=0)
    return WhatsNext(
        instance_id=record.id, process_id=record.process_id, process_name=record.process_name,
        parent_id=record.parent_id, status=record.status, status_reason=record.status_reason,
        customers=_customers(workflow) if workflow else (), attributes=attributes_of(session, instance_id),
        tasks=instance_records.open_tasks(session, instance_id),
        timers=_timers(workflow) if workflow and record.status not in ENDED_INSTANCE else [],
        messages=_messages(workflow) if workflow and record.status not in ENDED_INSTANCE else [],
        children_running=sum(count for status, count in by_status.items() if status in ACTIVE_INSTANCE),
        queued=instance_records.queued_with(session, instance_id, record.updated_at),
    )


def _workflow(runner: StepRunner, session: Session, instance_id: int) -> BpmnWorkflow | None:
    version_id, state = instance_rows.saved_state(session.connection(), instance_id) or (0, None)
    if state is None:  # created, never stepped
        return None
    return runner.codec.loads(state, runner.version(session, version_id).specs)


def _customers(workflow: BpmnWorkflow) -> tuple[str, ...]:
    """The customers the case's data names now: a waiting or ready task's data, else the last
    task's, else the ended workflow's (a case's data lives in its tasks until it ends)."""
    for task in workflow.get_tasks(state=TaskState.READY | TaskState.WAITING | TaskState.STARTED):
        named = customers_named(task.data)
        if named:
            return named
    last = workflow.last_task
    return customers_named(last.data if last is not None else workflow.data) or customers_named(workflow.data)


def _names(workflow: BpmnWorkflow) -> dict[str | None, str | None]:
    return {task.task_spec.bpmn_id: task.task_spec.bpmn_name for task in workflow.event_manager.tasks.values()}


def _timers(workflow: BpmnWorkflow) -> list[Waiting]:
    names = _names(workflow)
    return [Waiting(timer.element_id, names.get(timer.element_id), timer.due)
            for timer in pending_timers(workflow) if not timer.cycle]


def _messages(workflow: BpmnWorkflow) -> list[Waiting]:
    return [Waiting(task.task_spec.bpmn_id, task.task_spec.bpmn_name)
            for task in workflow.event_manager.tasks.values()
            if isinstance(task.task_spec.event_definition, MessageEventDefinition)]
