"""The durable runtime: every change to an instance is one transaction.

lock the row → load state + cached spec → act → ``do_engine_steps`` → save state and
projections → append history → write outbox rows → commit. Work that belongs to *other*
instances (start a child, wake a parent whose children ended) runs after commit, each in a
transaction of its own; the scheduler's tick repeats it as a safety net after a crash.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from uuid import UUID

from SpiffWorkflow.bpmn import BpmnWorkflow
from sqlalchemy.orm import Session

from app.clock import Clock, SystemClock
from app.runtime import actions
from app.runtime.actions import Engine, EngineFailed, MessageRejected, TaskFailure
from app.runtime.actors import Actor
from app.runtime.contract import Handler, StepObserver, TerminationHook
from app.runtime.engine import transitions
from app.runtime.engine.builtin_operations import BUILTIN_OPERATIONS
from app.runtime.engine.expressions import RestrictedEnvironment
from app.runtime.engine.live_cache import LiveWorkflows
from app.runtime.engine.projection import awaited_messages, awaited_under
from app.runtime.engine.state import SpecPair, StateCodec
from app.runtime.errors import NO_INSTANCE, Conflict, NotFound, RuntimeActionError
from app.runtime.events import history, messages
from app.runtime.events.history import NewEvent, writer_stream
from app.runtime.forms import Validator
from app.runtime.steps.grouping import Group, GroupCap, GroupStats
from app.runtime.steps.saving import STEPPING, child_ended, create_children, save_effects, save_projections
from app.runtime.steps.step import Step
from app.runtime.steps.unit import Unit
from app.translations import N_, Text
from storage import incident_rows, instance_rows
from storage import step_statements as statements
from storage.db import Database
from storage.instance_rows import InstanceRow
from storage.statuses import ENDED_INSTANCE, InstanceStatus

log = logging.getLogger("relayflow.runtime")
# What a durable step does to its workflow before the engine runs on: one or more named actions.
Action = Callable[[Step], None]
MAX_INLINE_DELIVERIES = 100


class StepFailed(RuntimeActionError):
    """The engine failed outside any task (a bad timer value, a missing process...): the step was
    rolled back. A person's action gets this error; the scheduler's opens an incident."""

    status_code = 422

    def __init__(self, instance_id: int, error: str) -> None:
        super().__init__(f"instance {instance_id} could not take this step: {error}")
        self.instance_id, self.error = instance_id, error


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
        helpers: Mapping[str, Callable[..., object]] | None = None,
        live_cache_size: int = 512,
        validators: Mapping[str, Validator] | None = None,
        termination_hooks: Sequence[TerminationHook] = (),
        group_cap: GroupCap | None = None,
        observer: StepObserver | None = None,
    ) -> None:
        self.db = db
        self.observer = observer
        self.group_cap = group_cap or GroupCap()
        self.group_stats = GroupStats()
        self.clock = clock or SystemClock()
        self.handlers: dict[str, Handler] = {**BUILTIN_OPERATIONS, **handlers}
        self.validators: dict[str, Validator] = dict(validators or {})
        self.termination_hooks = tuple(termination_hooks)
        self.codec = StateCodec()
        self.environment = RestrictedEnvironment(helpers)
        self.live = LiveWorkflows(live_cache_size)
        self.engine = Engine(self.environment, self.handlers)
        transitions.install()
        self._versions: dict[int, LoadedVersion] = {}
        self.writer: str | None = None  # this process's name in the machine streams it appends to

    def stream(self, base: str) -> str:
        """The named machine stream (``headend``, ``payments``) as this process appends to it."""
        return writer_stream(base, self.writer)

    @contextmanager
    def unit(self) -> Iterator[Unit]:
        """A write transaction; its follow-ups run after the commit, each in its own transaction."""
        with self.db.transaction() as session, session.no_autoflush:
            unit = Unit(session)
            yield unit
            unit.write_rows()
        for work in unit.keep:
            work()
        for work in unit.after_commit:
            try:
                work()
            except Exception:  # committed already: the caller's action stands; the tick retries this
                log.exception("follow-up %r failed; the worker's tick will retry it", work)

    def grouped(self) -> Group:
        """Machine-driven steps, many per transaction (see ``grouping``); never a person's action."""
        return Group(self, self.group_cap, self.group_stats)

    # -- versions ---------------------------------------------------------------------------

    def version(self, session: Session, version_id: int) -> LoadedVersion:
        loaded = self._versions.get(version_id)
        if loaded is None:
            row = statements.version(session.connection(), version_id)
            if row is None:
                raise NotFound(f"process version {version_id} does not exist")
            loaded = LoadedVersion(row.id, row.process_id, row.deployment_id,
                                   self.codec.specs(row.id, row.spec_json))
            self._versions[version_id] = loaded
        return loaded

    @staticmethod
    def latest_version_id(session: Session, process_id: str, *, deployment_id: int | None = None) -> int:
        """The process's version in ``deployment_id`` if it has one there, else its latest."""
        conn = session.connection()
        version_id = statements.version_in_deployment(conn, process_id, deployment_id) if deployment_id else None
        version_id = version_id or statements.latest_version_id(conn, process_id)
        if version_id is None:
            raise NotFound(Text(N_("no deployed process has the id {process}"), process=repr(process_id)))
        return version_id

    # -- the step ---------------------------------------------------------------------------

    def lock(self, session: Session, instance_id: int, *, skip_locked: bool = False) -> InstanceRow | None:
        """Lock an instance row for this transaction (workers skip rows another worker holds)."""
        return instance_rows.lock(session.connection(), instance_id, skip_locked=skip_locked)

    def require(self, session: Session, instance_id: int, *statuses: str) -> InstanceRow:
        row = self.lock(session, instance_id)
        if row is None:
            raise NotFound(Text(NO_INSTANCE, instance=instance_id))
        if statuses and row.status not in statuses:
            raise Conflict(Text(N_("instance {instance} is {status}; this needs it {needed}"), instance=instance_id,
                                 status=Text(row.status), needed=[Text(s) for s in statuses]))
        return row

    def _workflow(self, session: Session, row: InstanceRow, version: LoadedVersion) -> BpmnWorkflow:
        if row.revision == 0:  # created, never stepped
            return self.engine.new_workflow(version.specs)
        cached = self.live.take(row.id, row.revision)
        if cached is not None:
            return cached
        state = instance_rows.load_state(session.connection(), row)
        if state is None:
            raise NotFound(f"instance {row.id} has no saved state")
        return self.codec.loads(state, version.specs)

    def step(self, unit: Unit, row: InstanceRow, actor: Actor, act: Action,
             first_events: list[NewEvent] | None = None, *, check_all_stored: bool = False) -> Step:
        """Run one step on a locked instance row and save everything it produced.

        ``check_all_stored``: look for stored messages for everything the instance awaits (after a
        resume, a retry or a poke); otherwise only for what it starts awaiting in this step.
        """
        started, outcome = time.perf_counter(), "failed"
        try:
            step = self._step(unit, row, actor, act, first_events, check_all_stored)
            outcome = "incident" if row.status == InstanceStatus.INCIDENT else "ok"
            return step
        finally:
            if self.observer is not None:
                kind = actor.name if actor.is_system else "person"
                self.observer.step_done(kind, outcome, time.perf_counter() - started)

    def _step(self, unit: Unit, row: InstanceRow, actor: Actor, act: Action, first_events: list[NewEvent] | None,
              check_all_stored: bool) -> Step:
        session, now = unit.session, self.clock.now()
        version = self.version(session, row.process_version_id)
        workflow = self._workflow(session, row, version)
        step = self.engine.step(workflow, instance_id=row.id, now=now, session=session)
        for event in first_events or []:
            step.record(event)

        def act_and_run() -> None:
            act(step)
            actions.run(step)
            if row.status in STEPPING:
                self._deliver_stored(session, row, step, check_all_stored)

        with step:
            try:
                failure = actions.attempt(act_and_run)
            except EngineFailed as failed:
                raise StepFailed(row.id, failed.error) from failed
            except (RuntimeActionError, MessageRejected):
                raise
            except Exception as exc:  # the workflow may be half-changed: nothing of it is saved
                raise StepFailed(row.id, f"{type(exc).__name__}: {exc}") from exc
            if failure is not None:
                self._open_incident(session, row, failure, step, now)
        row.state, row.state_changed = self.codec.dumps(workflow), True
        row.updated_at, row.revision = now, row.revision + 1
        save_projections(session, row, workflow, now)
        events = step.history_events() + save_effects(session, row, step.effects, now)
        self._children(unit, row, step, actor, events, version, now)
        if row.status in ENDED_INSTANCE:
            events.append(NewEvent(f"instance.{row.status}", None,
                                   {"result": row.result, "reason": row.status_reason}))
            self._notify_parent(unit, row, now)
        if row.process_version_id != version.id:  # a move: the step leaves the instance on another version
            version = self.version(session, row.process_version_id)
        history.append_to_instance(session, row, events, actor=actor.name, at=now,
                                   deployment_id=version.deployment_id)
        unit.save(row)
        if row.status not in ENDED_INSTANCE:
            unit.keep.append(partial(self.live.keep, row.id, row.revision, workflow))
        return step

    def _deliver_stored(self, session: Session, row: InstanceRow, step: Step, check_all: bool) -> None:
        """Deliver messages that arrived before the instance waited for them (in this same step)."""
        checked = set() if check_all else {tuple(pair) for pair in row.awaiting or []}
        for _ in range(MAX_INLINE_DELIVERIES):
            awaited = [m for m in awaited_messages(step.workflow) if (m.message_name, m.correlation) not in checked]
            message = messages.pending_for(session, row.id, awaited)
            if message is None:
                return
            target = awaited_under(awaited, message.message_name, message.correlation)
            if target is None:  # the query found it by these very names and correlations
                raise LookupError(f"stored message {message.id} matches nothing the instance awaits")
            try:
                actions.deliver_message(step, target, messages.payload_of(session, message), key=message.message_key,
                                        sender=message.sender)
            except MessageRejected as rejected:  # checked before the workflow changed: go on without it
                messages.mark_rejected(session, message.id, rejected.error)
                step.record(NewEvent("message.rejected", None, {"key": message.message_key,
                                                                "error": rejected.error}))
                continue
            messages.mark_delivered(session, message.id, row.id, step.now)
            actions.run(step)

    def _open_incident(self, session: Session, row: InstanceRow, failure: TaskFailure, step: Step,
                       now: datetime) -> None:
        incident_rows.open_incident(session.connection(), row.id, failure.task_id, failure.element_id,
                                    failure.error, now)
        row.status = InstanceStatus.INCIDENT
        step.record(failure.event())

    def record_failure(self, failure: StepFailed, actor: Actor) -> None:
        """A step the scheduler ran failed outside any task: the instance gets an incident (its
        last good state stays), so it leaves the due queue until an operator retries it."""
        with self.unit() as unit:
            self.record_failure_within(unit, failure, actor)

    def record_failure_within(self, unit: Unit, failure: StepFailed, actor: Actor) -> None:
        """``record_failure`` in the caller's transaction (a group's, after the step's savepoint
        rolled back)."""
        row = self.lock(unit.session, failure.instance_id)
        if row is None or row.status not in STEPPING:
            return
        now = self.clock.now()
        incident_rows.open_incident(unit.session.connection(), row.id, "", None, failure.error, now)
        row.status = InstanceStatus.INCIDENT
        history.append_to_instance(unit.session, row, [NewEvent("incident.opened", None, {"error": failure.error})],
                                   actor=actor.name, at=now,
                                   deployment_id=self.version(unit.session, row.process_version_id).deployment_id)
        unit.save(row)
        log.warning("instance %s: incident opened: %s", failure.instance_id, failure.error)

    def _children(self, unit: Unit, row: InstanceRow, step: Step, actor: Actor, events: list[NewEvent],
                  version: LoadedVersion, now: datetime) -> None:
        for request in step.effects.children:
            child_version = self.latest_version_id(unit.session, request.process_id,
                                                   deployment_id=version.deployment_id)
            batch_id, children = create_children(unit.session, row, request, child_version, actor.name, now)
            events.append(NewEvent("children.created", None, {"batch_id": batch_id, "instance_ids": children}))
            unit.after_commit.append(partial(self.start_all_created, children))
            if not children:  # nothing to wait for: the parent hears "all done" at once
                messages.store_children_done(unit.session, batch_id, row.id, request.done_message, now)
                unit.after_commit.append(partial(self.poke, row.id))

    def _notify_parent(self, unit: Unit, row: InstanceRow, now: datetime) -> None:
        """The last child of a batch leaves the parent its message; the worker's next tick delivers
        it (``recover``), so that the last child's step — a head-end's callback, say — costs what
        any other child's does, however large the batch (issue 14 item 9)."""
        ended = child_ended(unit.session, row)
        if ended is not None:
            parent_id, done_message = ended
            messages.store_children_done(unit.session, row.batch_id or 0, parent_id, done_message, now)

    # -- follow-ups shared by the public API and the scheduler --------------------------------

    def start_created(self, instance_id: int, actor: Actor | None = None) -> bool:
        """Run the first step of a created (child) instance; False if it was already started."""
        return self.start_all_created([instance_id], actor) > 0

    def start_all_created(self, instance_ids: Sequence[int], actor: Actor | None = None) -> int:
        """Run the first steps of created (child) instances, in groups; returns how many started."""
        actor = actor or Actor.system("runtime")
        with self.grouped() as group:
            return sum(self._in_group(group, partial(self._start_created_within, instance_id, actor), actor)
                       for instance_id in instance_ids)

    def _start_created_within(self, instance_id: int, actor: Actor, unit: Unit) -> bool:
        row = self.lock(unit.session, instance_id, skip_locked=True)
        if row is None or row.status != InstanceStatus.CREATED:
            return False
        self.step(unit, row, actor, set_start_data(row.start_data or {}), [started_event(row)])
        return True

    def poke(self, instance_id: int) -> None:
        """Step an instance with no action of its own: delivers the messages stored for it."""
        self.poke_all([instance_id])

    def poke_all(self, instance_ids: Sequence[int]) -> None:
        """``poke`` each instance, in groups."""
        actor = Actor.system("runtime")
        with self.grouped() as group:
            for instance_id in instance_ids:
                self._in_group(group, partial(self._poke_within, instance_id, actor), actor)

    def _poke_within(self, instance_id: int, actor: Actor, unit: Unit) -> bool:
        row = self.lock(unit.session, instance_id)
        if row is None or row.status != InstanceStatus.RUNNING:
            return False
        self.step(unit, row, actor, nothing, check_all_stored=True)
        return True

    def _in_group(self, group: Group, work: Callable[[Unit], bool], actor: Actor) -> bool:
        """One machine step in ``group``; a step that fails outside any task gets its incident in
        the same group (the step itself rolled back alone)."""
        try:
            return group.run(work)
        except StepFailed as failure:
            group.run(partial(self.record_failure_within, failure=failure, actor=actor))
            return True


def started_event(row: InstanceRow) -> NewEvent:
    return NewEvent("instance.started", None, {"process_id": row.process_id, "data": row.start_data,
                                               "parent_id": row.parent_id})


def nothing(_step: Step) -> None:
    return None


def set_start_data(data: Mapping[str, object]) -> Action:
    return partial(actions.start, data=data)


def parse_task_id(task_id: str) -> UUID:
    try:
        return UUID(task_id)
    except ValueError:
        raise NotFound(Text(N_("{task} is not a task id"), task=repr(task_id))) from None
