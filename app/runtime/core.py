"""The durable runtime: every change to an instance is one transaction.

lock the row → load state + cached spec → act → ``do_engine_steps`` → save state and
projections → append history → write outbox rows → commit. Work that belongs to *other*
instances (start a child, wake a parent whose children ended) runs after commit, each in a
transaction of its own; the scheduler's tick repeats it as a safety net after a crash.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from typing import Any
from uuid import UUID

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.util.event import BpmnEvent
from SpiffWorkflow.exceptions import WorkflowException
from SpiffWorkflow.spiff.specs.event_definitions import MessageEventDefinition
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.clock import Clock, SystemClock
from app.runtime import messages
from app.runtime.actors import Actor
from app.runtime.builtin_operations import BUILTIN_OPERATIONS
from app.runtime.canonical import json_safe
from app.runtime.errors import Conflict, NotFound
from app.runtime.expressions import RestrictedEnvironment
from app.runtime.history import NewEvent
from app.runtime.projection import awaited_messages
from app.runtime.saving import (
    CREATED,
    ENDED,
    INCIDENT,
    RUNNING,
    append_history,
    child_ended,
    create_children,
    save_effects,
    save_projections,
)
from app.runtime.services import Handler
from app.runtime.state import SpecPair, StateCodec
from app.runtime.step import Step
from storage.db import Database
from storage.models import Incident, Instance, ProcessVersion

Action = Callable[[BpmnWorkflow, Step], None]
MAX_INLINE_DELIVERIES = 100


class MessageRejected(Exception):
    """A stored message could not be delivered; the step is rolled back and the message marked."""

    def __init__(self, message_id: int, error: str) -> None:
        super().__init__(error)
        self.message_id, self.error = message_id, error


@dataclass(frozen=True)
class LoadedVersion:
    id: int
    process_id: str
    deployment_id: int
    specs: SpecPair


class StepRunner:
    """The step machinery; ``app.runtime.api.Runtime`` adds the public actions on top."""

    def __init__(
        self,
        db: Database,
        handlers: Mapping[str, Handler],
        *,
        clock: Clock | None = None,
        helpers: Mapping[str, Callable[..., Any]] | None = None,
    ) -> None:
        self.db = db
        self.clock = clock or SystemClock()
        self.handlers: dict[str, Handler] = {**BUILTIN_OPERATIONS, **handlers}
        self.codec = StateCodec()
        self.environment = RestrictedEnvironment(helpers)
        self._versions: dict[int, LoadedVersion] = {}
        self._after_commit: deque[Callable[[], object]] = deque()

    # -- versions ---------------------------------------------------------------------------

    def version(self, session: Session, version_id: int) -> LoadedVersion:
        loaded = self._versions.get(version_id)
        if loaded is None:
            row = session.get(ProcessVersion, version_id)
            if row is None:
                raise NotFound(f"process version {version_id} does not exist")
            loaded = LoadedVersion(row.id, row.process_id, row.deployment_id,
                                   self.codec.specs(row.id, row.spec_json))
            self._versions[version_id] = loaded
        return loaded

    @staticmethod
    def latest_version_id(session: Session, process_id: str) -> int:
        version_id = session.execute(
            select(ProcessVersion.id).where(ProcessVersion.process_id == process_id)
            .order_by(ProcessVersion.version.desc()).limit(1)
        ).scalar_one_or_none()
        if version_id is None:
            raise NotFound(f"no deployed process has the id {process_id!r}")
        return version_id

    # -- the step ---------------------------------------------------------------------------

    def lock(self, session: Session, instance_id: int, *, skip_locked: bool = False) -> Instance | None:
        """Lock an instance row for this transaction (workers skip rows another worker holds)."""
        return session.execute(
            select(Instance).where(Instance.id == instance_id).with_for_update(skip_locked=skip_locked)
        ).scalar_one_or_none()

    def step(self, session: Session, row: Instance, actor: Actor, act: Action,
             first_events: list[NewEvent] | None = None) -> Step:
        """Run one step on a locked instance row and save everything it produced."""
        now = self.clock.now()
        version = self.version(session, row.process_version_id)
        state = row.state
        workflow = BpmnWorkflow(*version.specs) if state is None else self.codec.loads(state, version.specs)
        step = Step(workflow, session=session, instance_id=row.id, now=now,
                    environment=self.environment, handlers=self.handlers)
        for event in first_events or []:
            step.record(event)
        with step:
            try:
                act(workflow, step)
                workflow.do_engine_steps()
                if row.status in (RUNNING, CREATED):
                    self._deliver_stored(session, row, workflow, step)
            except WorkflowException as exc:
                if not _is_task_failure(exc):
                    raise
                self._open_incident(session, row, exc, step, now)
        row.state = self.codec.dumps(workflow)
        row.updated_at = now
        save_projections(session, row, workflow, now)
        extra = save_effects(session, row, step.effects, now)
        children = create_children(session, row, step.effects, self.latest_version_id, actor.name, now)
        events = step.history_events() + extra
        if children:
            events.append(NewEvent("children.created", None, {"instance_ids": children}))
        for request in step.effects.children:
            if not request.items:  # nothing to wait for: the parent hears "all done" at once
                messages.store_children_results(session, row.id, request.done_message, now)
                self._after_commit.append(partial(self.poke, row.id))
        if row.status in ENDED:
            events.append(NewEvent(f"instance.{row.status}", None,
                                   {"result": row.result, "reason": row.status_reason}))
            self._notify_parent(session, row, now)
        append_history(session, row, events, version.deployment_id, actor.name, now)
        self._after_commit.extend(partial(self.start_created, child_id) for child_id in children)
        return step

    def _deliver_stored(self, session: Session, row: Instance, workflow: BpmnWorkflow, step: Step) -> None:
        """Deliver messages that arrived before the instance waited for them (in this same step)."""
        for _ in range(MAX_INLINE_DELIVERIES):
            awaited = awaited_messages(workflow)
            pending = messages.pending_for(session, row.id, awaited)
            if not pending:
                return
            message = pending[0]
            match = next(m for m in awaited if m.message_name == message.message_name)
            try:
                self.send_message(workflow, step, message.message_name, match.correlations, message.payload,
                                  message.message_key, message.sender)
            except Exception as exc:  # a payload the catching event cannot read: nothing is applied
                raise MessageRejected(message.id, f"{type(exc).__name__}: {exc}") from exc
            message.status, message.delivered_to, message.delivered_at = messages.DELIVERED, row.id, step.now
            workflow.do_engine_steps()

    def send_message(self, workflow: BpmnWorkflow, step: Step, name: str, correlations: dict[str, Any],
                     payload: dict[str, Any], message_key: str, sender: str) -> None:
        step.record(NewEvent("message.received", None, {
            "name": name, "payload": payload, "key": message_key, "sender": sender,
        }))
        event = BpmnEvent(MessageEventDefinition(name), payload=payload, correlations=correlations)
        workflow.send_event(event)

    def _open_incident(self, session: Session, row: Instance, exc: WorkflowException, step: Step,
                       now: datetime) -> None:
        task = getattr(exc, "task", None)
        element_id = task.task_spec.bpmn_id if task is not None else None
        error = str(exc)
        session.add(Incident(instance_id=row.id, task_id=str(task.id) if task else "", element_id=element_id,
                             error=error, created_at=now))
        row.status = INCIDENT
        step.record(NewEvent("incident.opened", element_id, {"error": error}))

    def _notify_parent(self, session: Session, row: Instance, now: datetime) -> None:
        parent_id = child_ended(session, row)
        if parent_id is not None and row.notify_parent:
            messages.store_children_results(session, parent_id, row.notify_parent, now)
            self._after_commit.append(partial(self.poke, parent_id))

    def run_after_commit(self) -> None:
        """Run the follow-up work queued by committed steps (each in its own transaction)."""
        while self._after_commit:
            self._after_commit.popleft()()

    # -- follow-ups shared by the public API and the scheduler --------------------------------

    def start_created(self, instance_id: int, actor: Actor | None = None) -> bool:
        """Run the first step of a created (child) instance; False if it was already started."""
        with self.db.transaction() as session:
            row = self.lock(session, instance_id, skip_locked=True)
            if row is None or row.status != CREATED:
                return False
            self.step(session, row, actor or Actor.system("runtime"), _set_start_data(row.start_data or {}),
                      [NewEvent("instance.started", None, {"process_id": row.process_id, "data": row.start_data,
                                                           "parent_id": row.parent_id})])
        self.run_after_commit()
        return True

    def poke(self, instance_id: int) -> None:
        """Step an instance with no action of its own: delivers the messages stored for it."""
        with self.db.transaction() as session:
            row = self.lock(session, instance_id)
            if row is None or row.status != RUNNING:
                return
            self.step(session, row, Actor.system("runtime"), _nothing)
        self.run_after_commit()

    def require(self, session: Session, instance_id: int, *statuses: str) -> Instance:
        row = self.lock(session, instance_id)
        if row is None:
            raise NotFound(f"instance {instance_id} does not exist")
        if statuses and row.status not in statuses:
            raise Conflict(f"instance {instance_id} is {row.status}; this needs it {' or '.join(statuses)}")
        return row


def _nothing(_workflow: BpmnWorkflow, _step: Step) -> None:
    return None


def _set_start_data(data: dict[str, Any]) -> Action:
    def act(workflow: BpmnWorkflow, _step: Step) -> None:
        start = workflow.get_next_task(spec_name="Start")
        if start is not None:
            start.set_data(**json_safe(data))
    return act


def _is_task_failure(exc: WorkflowException) -> bool:
    return getattr(exc, "task", None) is not None


def parse_task_id(task_id: str) -> UUID:
    try:
        return UUID(task_id)
    except ValueError:
        raise NotFound(f"{task_id!r} is not a task id") from None


