"""The runtime's named actions on a workflow in memory: the engine half of every step.

start, complete a user task, deliver a message, fire due timers, retry a failed task, terminate
(a later "move to another version" belongs here too), then ``run``: the engine's own steps. Each
acts through a ``Step`` (the step's time, its script engine and its record of what happened) and
reads or writes no database. Three callers feed them:

- the durable runtime (``app.runtime.steps``) wraps them in a transaction: lock, load, act, save,
  history, outbox, commit;
- replay (``app.audit.replay``) feeds them the recorded inputs, with handlers that answer from the
  history, and writes nothing;
- a rehearsal (recorded cases on an edited diagram) is the same as a replay on other specs.

Only ``app.runtime`` imports SpiffWorkflow: what its callers need to know of the engine's failures
arrives as the exceptions defined here.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.util.event import BpmnEvent
from SpiffWorkflow.exceptions import WorkflowException
from SpiffWorkflow.spiff.specs.event_definitions import MessageEventDefinition
from SpiffWorkflow.task import Task, TaskState
from sqlalchemy.orm import Session

from app.runtime.canonical import json_safe
from app.runtime.contract import Handler
from app.runtime.engine.expressions import RestrictedEnvironment
from app.runtime.engine.projection import AwaitedMessage, awaited_messages, awaited_under, catching_definition
from app.runtime.engine.state import SpecPair
from app.runtime.events.history import NewEvent
from app.runtime.steps.step import Step

# What a user task's form changed in its data: name → [old value, new value].
Changes = dict[str, list[object]]
_NOT_WAITING = "not waiting"  # how SpiffWorkflow's send_event says nobody catches the message


@dataclass(frozen=True)
class TaskFailure:
    """The engine failed inside a task (a handler, a script): the workflow stands as it failed, the
    task in ERROR; the durable runtime keeps it with an incident on the task."""

    task_id: str
    element_id: str | None
    error: str

    def event(self) -> NewEvent:
        return NewEvent("incident.opened", self.element_id, {"error": self.error})


class EngineFailed(Exception):
    """The engine failed outside any task (a bad timer value, a missing process...): nothing of
    what it did in the step can be kept."""

    def __init__(self, error: str, detail: str) -> None:
        super().__init__(error)
        self.error = error  # "<exception type>: <message>"
        self.detail = detail  # the engine's message alone


class MessageRejected(Exception):
    """The catching event cannot read its correlation from the payload (checked before the workflow
    is touched)."""

    def __init__(self, error: str) -> None:
        super().__init__(error)
        self.error = error


class NotAwaited(Exception):
    """The workflow does not wait for the message (its state moved on, or never got there)."""


class Engine:
    """Makes workflows from specs and the steps that act on them, with one script environment and
    one handler table (the real handlers, or a replay's recorded answers)."""

    def __init__(self, environment: RestrictedEnvironment, handlers: Mapping[str, Handler]) -> None:
        self.environment, self.handlers = environment, handlers

    def new_workflow(self, specs: SpecPair) -> BpmnWorkflow:
        return BpmnWorkflow(*specs)

    def step(self, workflow: BpmnWorkflow, *, instance_id: int, now: datetime,
             session: Session | None = None) -> Step:
        """A step on ``workflow`` at ``now``; ``session`` is what handlers read (None: they answer
        from records and read nothing). Use it as a context manager around the actions."""
        return Step(workflow, session=session, instance_id=instance_id, now=now, environment=self.environment,
                    handlers=self.handlers)


# -- the actions ------------------------------------------------------------------------------

def start(step: Step, data: Mapping[str, object]) -> None:
    """Give a new workflow its start data (on its ``Start`` task); ``run`` starts it."""
    start_task = step.workflow.get_next_task(spec_name="Start")
    if start_task is not None:
        start_task.set_data(**json_safe(data))


def complete_user_task(step: Step, task: Task, form: Mapping[str, object], *,
                       check_changes: Callable[[Changes], object] | None = None) -> Changes:
    """Put the form into the task's data (nested under its ``variableName``, if the diagram gives
    one) and complete it; returns what changed. ``check_changes`` sees the changes before the task
    completes, and may refuse them by raising (a replay: the recorded form must change what it
    changed when it was recorded)."""
    before = dict(task.data)
    add_form = getattr(task.task_spec, "add_data_from_form", None)
    add_form(task, form) if add_form else task.set_data(**form)
    changes: Changes = json_safe({k: [before.get(k), v] for k, v in task.data.items() if before.get(k) != v})
    if check_changes is not None:
        check_changes(changes)
    step.record(NewEvent("task.completed", task.task_spec.bpmn_id,
                         {"task_id": str(task.id), "data": form, "changes": changes}))
    task.run()
    return changes


def deliver_message(step: Step, target: AwaitedMessage, payload: Mapping[str, object], *, key: str,
                    sender: str) -> None:
    """Hand a message to the workflow. ``MessageRejected``, with the workflow untouched, if the
    catching event cannot read its correlation from the payload; ``NotAwaited`` if nothing waits."""
    workflow = step.workflow
    definition = target.definition or catching_definition(workflow, target.message_name)
    if definition is not None and definition.correlation_properties:
        try:
            definition.calculate_correlations(workflow.script_engine, definition.correlation_properties,
                                              dict(payload))
        except Exception as exc:
            raise MessageRejected(f"{type(exc).__name__}: {exc}") from exc
    event = BpmnEvent(MessageEventDefinition(target.message_name), payload=payload,
                      correlations=target.correlations)
    try:
        workflow.send_event(event)
    except WorkflowException as exc:
        if _NOT_WAITING in str(exc):
            raise NotAwaited(str(exc)) from exc
        raise
    step.record(NewEvent("message.received", None, {
        "name": target.message_name, "payload": payload, "key": key, "sender": sender,
    }))


def fire_due_timers(step: Step) -> None:
    """Let every timer whose time (the step's ``now``) has come fire; ``run`` goes on from them."""
    step.workflow.refresh_timers()


def retry_failed_task(step: Step, task_id: UUID) -> None:
    """Put a failed task back to READY; ``run`` runs it again."""
    step.workflow.reset_from_task_id(task_id)


def terminate(step: Step) -> None:
    """Cancel every task of a workflow that has not ended."""
    if not step.workflow.completed:
        step.workflow.cancel()


def run(step: Step) -> None:
    """The engine's own steps: run every READY automatic task until only people's tasks and waits
    are left."""
    step.workflow.do_engine_steps()


def attempt(act: Callable[[], object]) -> TaskFailure | None:
    """Call ``act`` (actions, ``run``...): a failure of the engine inside a task is returned (the
    workflow holds the task in ERROR), one outside any task raised as ``EngineFailed``."""
    try:
        act()
    except WorkflowException as exc:
        task = getattr(exc, "task", None)
        if task is None:
            raise EngineFailed(f"{type(exc).__name__}: {exc}", str(exc)) from exc
        return TaskFailure(str(task.id), task.task_spec.bpmn_id, str(exc))
    return None


# -- finding what to act on -------------------------------------------------------------------

def user_task(workflow: BpmnWorkflow, task_id: UUID) -> Task:
    """The task with this id (the engine fails outside any task if there is none)."""
    return workflow.get_task_from_id(task_id)


def open_user_task_at(workflow: BpmnWorkflow, element_id: str | None) -> Task | None:
    """The first open (READY) user task of the element, if one is open."""
    return next((task for task in workflow.get_tasks(state=TaskState.READY, manual=True)
                 if task.task_spec.bpmn_id == element_id), None)


def failed_task_at(workflow: BpmnWorkflow, element_id: str | None) -> UUID | None:
    """The id of the first failed (ERROR) task of the element, if one failed."""
    return next((task.id for task in workflow.get_tasks(state=TaskState.ERROR)
                 if task.task_spec.bpmn_id == element_id), None)


def awaited_message(workflow: BpmnWorkflow, name: str, correlation: str | None = None) -> AwaitedMessage | None:
    """What the workflow awaits under the message ``name`` (with ``correlation``, when given)."""
    return awaited_under(awaited_messages(workflow), name, correlation)

