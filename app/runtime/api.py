"""The runtime's public actions: start, complete a task, deliver a message, wake timers,
terminate / suspend / resume, retry an incident. Each is one transaction (see ``core``)."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from datetime import timedelta
from functools import partial
from typing import Any

from SpiffWorkflow.task import Task
from sqlalchemy.orm import Session

from app.runtime import actions
from app.runtime.actions import MessageRejected, NotAwaited
from app.runtime.actors import Actor
from app.runtime.canonical import json_safe
from app.runtime.engine import decisions
from app.runtime.engine.projection import AwaitedMessage
from app.runtime.engine.task_properties import task_properties, validator_name
from app.runtime.errors import NOT_OPEN, Conflict, NotFound, RuntimeActionError
from app.runtime.events import history, messages
from app.runtime.events.history import NewEvent
from app.runtime.form_schema import schema_errors, schema_of
from app.runtime.forms import FormContext, FormInvalid
from app.runtime.inbox import require_lane_role
from app.runtime.permissions import require_may_start
from app.runtime.reading.ready_task import ReadyTask, read_ready_task
from app.runtime.reading.whats_next import WhatsNext, whats_next
from app.runtime.starting import draft_until, require_start_data
from app.runtime.steps.core import StepFailed, parse_task_id, set_start_data
from app.runtime.steps.lifecycle import LifecycleActions
from app.runtime.steps.step import Step
from app.runtime.steps.unit import Unit
from app.translations import N_, Text
from storage import case_drafts, instance_rows, message_rows, user_task_rows
from storage import step_statements as statements
from storage.models import UserTask
from storage.statuses import InstanceStatus

MESSAGES_STREAM = "messages"  # messages that reached no instance, and duplicates of those
RETRY_STUCK_TIMER_AFTER = timedelta(seconds=1)


@dataclass(frozen=True)
class Delivery:
    """What became of a message: delivered, stored (no instance waits yet), duplicate, rejected."""

    outcome: str
    message_id: int | None
    instance_id: int | None = None
    error: str | None = None


class Runtime(LifecycleActions):

    def start(self, process_id: str, data: dict[str, Any], actor: Actor) -> int:
        """Start an instance of the latest version of ``process_id``; returns its id."""
        with self.unit() as unit:
            return self.start_within(unit, process_id, data, actor)

    def start_within(self, unit: Unit, process_id: str, data: dict[str, Any], actor: Actor) -> int:
        """Start an instance inside the caller's transaction, so the caller's own writes (an order
        row, say) and the instance's first step commit together or not at all."""
        if not isinstance(data, dict):
            raise RuntimeActionError("start data must be a JSON object")
        now = self.clock.now()
        version_id = self.latest_version_id(unit.session, process_id)
        spec = self.version(unit.session, version_id).specs[0]
        require_may_start(spec, actor)
        require_start_data(spec, data)
        row = instance_rows.insert_new(unit.session.connection(), {
            "process_version_id": version_id, "process_id": process_id,
            "status": InstanceStatus.CREATED, "start_data": json_safe(data), "started_by": actor.name,
            "created_at": now, "updated_at": now,
        })
        self.step(unit, row, actor, set_start_data(data),
                  [NewEvent("instance.started", None, {"process_id": process_id, "data": row.start_data})])
        until = draft_until(spec)
        if until is not None and not actor.is_system:
            case_drafts.mark(unit.session, row.id, actor.name, until, now)
        return row.id

    def complete_task(self, task_id: str, data: dict[str, Any], actor: Actor) -> int:
        """Complete an open user task with the form data; returns the instance id."""
        if not isinstance(data, dict):
            raise RuntimeActionError("task data must be a JSON object")
        uuid = parse_task_id(task_id)
        data = json_safe(data)
        with self.unit() as unit:
            open_task = user_task_rows.find(unit.session, task_id)
            if open_task is None:
                raise NotFound(Text(NOT_OPEN, task=task_id))
            row = self.require(unit.session, open_task.instance_id, InstanceStatus.RUNNING)
            open_task = user_task_rows.reread(unit.session, task_id)  # under the instance lock: gone or claimed?
            if open_task is None:
                raise NotFound(Text(N_("task {task} is not open any more (completed or cancelled meanwhile)"),
                                    task=task_id))
            check_may_work_on(open_task, actor)

            def act(step: Step) -> None:
                task = actions.user_task(step.workflow, uuid)
                context = FormContext(unit.session, actor, step.now, row.id, dict(task.data),
                                      task_properties(task.task_spec))
                form = self._validated(task, data, context)
                actions.complete_user_task(step, task, form)
                step.effects.attributes.update(context.attributes)

            self.step(unit, row, actor, act)
            case_drafts.submitted(unit.session, row.id, open_task.element_id)
            return row.id

    def decide(self, session: Session, process_id: str, rule_task: str,
               inputs: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Ask the decision table the business-rule task ``rule_task`` of ``process_id``'s current
        version calls, once per item of ``inputs`` (a page's preview: what the cut window says
        now). NotFound for an undeployed process, ValueError when it has no such task."""
        top, subprocesses = self.version(session, self.latest_version_id(session, process_id)).specs
        return decisions.decide_many((top, *subprocesses.values()), self.environment, rule_task, inputs)

    def ready_task(self, session: Session, task_id: str) -> ReadyTask:
        """The open user task ``task_id`` as the engine holds it — its data, its diagram's properties
        and instructions — decoded from the saved state in the caller's (read) transaction; nothing
        is stepped, locked or cached. ``NotFound`` if the task is not open."""
        return read_ready_task(self, session, task_id)

    def whats_next(self, session: Session, instance_id: int) -> WhatsNext:
        """What the case ``instance_id`` does next as its last step left it: open tasks, timers,
        awaited messages, running children, or its end (read-only, in the caller's transaction)."""
        return whats_next(self, session, instance_id)

    def _validated(self, task: Task, data: dict[str, Any], context: FormContext) -> dict[str, Any]:
        """The data the task stores: first judged by the task's form schema, if the diagram writes one
        (``form_schema``); then as the diagram's validator cleaned it (only the keys it returns), or,
        for a task without one, new fields only — a form never overwrites what the process already
        holds (a customer number, a child's results...)."""
        schema = schema_of(context.properties)
        if schema is not None:
            errors = schema_errors(schema, data)
            if errors:
                raise FormInvalid(errors)
        name = validator_name(task.task_spec)
        if name is None:
            taken = sorted(key for key in data if key in context.task_data)
            if taken:
                raise FormInvalid({key: "set by the process; a form cannot change it" for key in taken})
            return data
        validator = self.validators.get(name)
        if validator is None:
            raise RuntimeActionError(f"task {task.task_spec.bpmn_id} names validator {name!r}, which is not installed")
        cleaned: dict[str, Any] = json_safe(validator(context, dict(data)))
        return cleaned

    def deliver_message(self, name: str, correlation: str, payload: dict[str, Any], actor: Actor, *,
                        message_key: str | None = None) -> Delivery:
        """Route a message by (name, correlation); store it if nobody waits yet; ignore duplicates."""
        with self.unit() as unit:
            return self.deliver_within(unit, name, correlation, payload, actor, message_key=message_key)

    def deliver_within(self, unit: Unit, name: str, correlation: str, payload: dict[str, Any], actor: Actor, *,
                       message_key: str | None = None) -> Delivery:
        """``deliver_message`` inside the caller's transaction: the caller's own writes (a head-end
        result on its command) and the message — delivered, or stored when the instance cannot take
        it now — commit together or not at all, so a crash can never keep one without the other."""
        if not isinstance(payload, dict):
            raise RuntimeActionError("message payload must be a JSON object")
        payload = json_safe(payload)
        key = message_key or messages.derive_message_key(name, correlation, payload)
        try:
            with unit.savepoint():
                return self._deliver(unit, name, correlation, payload, key, actor)
        except (MessageRejected, StepFailed) as failure:  # the delivery's savepoint is rolled back
            if isinstance(failure, MessageRejected):
                message_id = self._keep(unit.session, name, correlation, payload, key, actor,
                                        rejected_because=failure.error)
                return Delivery("rejected", message_id, error=failure.error)
            message_id = self._keep(unit.session, name, correlation, payload, key, actor)
            # the instance gets an incident once this commits; a retry delivers the stored message
            unit.after_commit.append(partial(self.record_failure, failure, actor))
            return Delivery("stored", message_id, failure.instance_id, error=failure.error)

    def stop_with_incident(self, session: Session, instance_id: int, error: str, actor: Actor) -> None:
        """In the caller's transaction: the instance gets an incident with ``error`` (an outside
        party refused what it sent for good), so it waits for a person before it goes on."""
        unit = Unit(session)
        self.record_failure_within(unit, StepFailed(instance_id, error), actor)
        unit.write_rows()

    def _keep(self, session: Session, name: str, correlation: str, payload: dict[str, Any], key: str,
              actor: Actor, *, rejected_because: str | None = None) -> int | None:
        """Store a message whose delivery step was rolled back (marked rejected, if it was)."""
        message_id = messages.store(session, name=name, correlation=correlation, payload=payload,
                                    sender=actor.name, message_key=key, now=self.clock.now())
        if message_id is not None and rejected_because is not None:
            messages.mark_rejected(session, message_id, rejected_because)
        if message_id is not None:
            self._record_kept(session, "message.rejected" if rejected_because else "message.stored",
                              {"name": name, "correlation": correlation, "key": key, "payload": payload,
                               **({"error": rejected_because} if rejected_because else {})}, actor)
        return message_id

    def _record_kept(self, session: Session, kind: str, data: dict[str, Any], actor: Actor) -> None:
        """A message that reached no instance goes into the ``messages`` history (an auditor asks
        what came in, not only what was delivered)."""
        history.append(session, self.stream(MESSAGES_STREAM), [NewEvent(kind, None, data)], actor=actor.name,
                       at=self.clock.now())

    def _deliver(self, unit: Unit, name: str, correlation: str, payload: dict[str, Any], key: str,
                 actor: Actor) -> Delivery:
        session, now = unit.session, self.clock.now()
        message_id = messages.store(session, name=name, correlation=correlation, payload=payload,
                                    sender=actor.name, message_key=key, now=now)
        if message_id is None:
            return self._duplicate(session, key, actor)
        waiting = messages.route(session, name, correlation)
        row = self.lock(session, waiting.instance_id) if waiting is not None else None
        stored = {"name": name, "correlation": correlation, "key": key, "payload": payload}
        if waiting is None or row is None or row.status != InstanceStatus.RUNNING:
            self._record_kept(session, "message.stored", stored, actor)
            return Delivery("stored", message_id)
        target = AwaitedMessage(name, correlation, waiting.correlations)
        delivered: list[bool] = []

        def act(step: Step) -> None:
            with contextlib.suppress(NotAwaited):  # the route was stale: keep the message stored
                actions.deliver_message(step, target, payload, key=key, sender=actor.name)
                delivered.append(True)

        self.step(unit, row, actor, act)
        if not delivered:  # the route was stale: kept for when it is awaited again
            self._record_kept(session, "message.stored", stored, actor)
            return Delivery("stored", message_id)
        messages.mark_delivered(session, message_id, row.id, now)
        return Delivery("delivered", message_id, row.id)

    def _duplicate(self, session: Session, key: str, actor: Actor) -> Delivery:
        existing = messages.find_by_key(session, key)
        assert existing is not None
        messages.count_duplicate(session, existing.id)
        stream, deployment_id = self.stream(MESSAGES_STREAM), None
        if existing.delivered_to is not None:
            stream = history.instance_stream(existing.delivered_to)
            deployment_id = statements.deployment_of_instance(session.connection(), existing.delivered_to)
        history.append(session, stream, [NewEvent("message.duplicate", None, {
            "name": existing.message_name, "key": existing.message_key, "first_received_at": existing.received_at,
        })], actor=actor.name, at=self.clock.now(), instance_id=existing.delivered_to, deployment_id=deployment_id)
        return Delivery("duplicate", existing.id, existing.delivered_to)

    def wake_due(self, limit: int = 10_000) -> int:
        """Refresh the timers of instances that are due, many per transaction (one savepoint each,
        ``grouping``); returns how many were woken."""
        actor = Actor.system("scheduler")
        woken = 0
        with self.grouped() as group:
            while woken < limit and self._in_group(group, partial(self._wake_next, actor), actor):
                woken += 1
        return woken

    def _wake_next(self, actor: Actor, unit: Unit) -> bool:
        """Step the instance whose timers fell due first; False when none is due."""
        now = self.clock.now()
        row = instance_rows.lock_next_due(unit.session.connection(), now)
        if row is None:
            return False
        try:
            with unit.savepoint():
                self.step(unit, row, actor, actions.fire_due_timers)
        except StepFailed as failure:
            unit.after_commit.append(partial(self.record_failure, failure, actor))
        if row.next_wake_at is not None and row.next_wake_at <= now:
            row.next_wake_at = now + RETRY_STUCK_TIMER_AFTER  # never spin on one instance
            unit.save(row)
        return True

    def recover(self, limit: int = 1_000) -> int:
        """Start children and deliver stored messages that a crash left behind; returns how many."""
        with self.db.reading() as session:
            created, waiting = due_follow_ups(session, limit)
        self.start_all_created(created)
        self.poke_all(waiting)
        return len(created) + len(waiting)


def check_may_work_on(task: UserTask, actor: Actor) -> None:
    """The lane's role must be the actor's; a task claimed by someone else is theirs."""
    require_lane_role(task, actor)
    if task.claimed_by is not None and task.claimed_by != actor.name:
        raise Conflict(Text(N_("task {task} is already claimed by {who}"), task=task.id, who=task.claimed_by))


def due_follow_ups(session: Session, limit: int) -> tuple[list[int], list[int]]:
    """Work a crash may have left behind: created children never started, and running instances
    that wait for a message already stored for them. The scheduler's tick runs both."""
    conn = session.connection()
    return instance_rows.created_children(conn, limit), message_rows.instances_awaiting_stored(conn, limit)
