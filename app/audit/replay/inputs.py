"""The recorded inputs a case is fed, each applied through the runtime's named actions
(``app.runtime.actions``): the start data, a completed user task's form, a message, a timer firing,
a retry, a suspension and its resumption, a termination. Replay (``driver``) feeds them to the
case's own version and checks what they make; a rehearsal (``app.workbench.rehearsal``) feeds them
to a draft. Both keep the instance's lifecycle the way the durable runtime keeps it in the row's
status — started, in an incident, suspended, terminated — in a ``FedCase``.

Each input returns whether the engine runs on after it (``actions.run``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

from app.audit.replay.recorded import RecordedEvent
from app.runtime import actions
from app.runtime.actions import Changes, EngineFailed, MessageRejected, NotAwaited
from app.runtime.engine.projection import AwaitedMessage
from app.runtime.steps.step import Step


class InputDiverged(Exception):
    """A recorded input does not fit the workflow it is fed to (no such task waits, other data...)."""

    def __init__(self, expected: str, actual: str) -> None:
        super().__init__(actual)
        self.expected, self.actual = expected, actual


class FedCase(Protocol):
    """A workflow being fed a case's recorded inputs, and the lifecycle the inputs move."""

    workflow: Any
    started: bool
    incident: bool
    suspended: bool
    terminated: bool

    def message_target(self, event: RecordedEvent) -> AwaitedMessage | None:
        """What in the workflow awaits the recorded message (None: nothing does)."""

    def form_check(self, event: RecordedEvent) -> Callable[[Changes], object] | None:
        """What the form's changes must pass before the task completes (None: nothing)."""


Input = Callable[[FedCase, RecordedEvent, Step], bool]


def started(case: FedCase, event: RecordedEvent, step: Step) -> bool:
    actions.start(step, event.data.get("data") or {})
    case.started = True
    return True


def task_completed(case: FedCase, event: RecordedEvent, step: Step) -> bool:
    task = actions.open_user_task_at(case.workflow, event.element_id)
    if task is None:
        raise InputDiverged(f"user task {event.element_id} open for the recorded form", "no such task is open")
    actions.complete_user_task(step, task, event.data.get("data") or {}, check_changes=case.form_check(event))
    return True


def message(case: FedCase, event: RecordedEvent, step: Step) -> bool:
    name = event.data.get("name")
    target = case.message_target(event)
    if target is None:
        raise InputDiverged(f"the process waiting for message {name!r}", "it does not wait for it")

    def deliver() -> None:
        actions.deliver_message(step, target, event.data.get("payload") or {}, key=str(event.data.get("key")),
                                sender=str(event.data.get("sender")))

    try:
        failure = actions.attempt(deliver)
    except (MessageRejected, NotAwaited) as refused:
        raise InputDiverged(f"message {name!r} delivered", f"refused: {refused}") from refused
    except EngineFailed as failed:
        raise InputDiverged(f"message {name!r} delivered", f"refused: {failed.detail}") from failed
    if failure is not None:
        raise InputDiverged(f"message {name!r} delivered", f"refused: {failure.error}")
    return True


def timer_fired(_case: FedCase, _event: RecordedEvent | None, step: Step) -> bool:
    actions.fire_due_timers(step)
    return True


def retried(case: FedCase, event: RecordedEvent, step: Step) -> bool:
    failed = actions.failed_task_at(case.workflow, event.element_id)
    if failed is not None:
        actions.retry_failed_task(step, failed)
    case.incident = False
    if not case.suspended:
        actions.fire_due_timers(step)
    return True


def suspended(case: FedCase, _event: RecordedEvent, _step: Step) -> bool:
    case.suspended = True
    return False


def resumed(case: FedCase, _event: RecordedEvent, step: Step) -> bool:
    case.suspended = False
    if case.incident:
        return False
    actions.fire_due_timers(step)
    return True


def terminated(case: FedCase, _event: RecordedEvent, step: Step) -> bool:
    actions.terminate(step)
    case.terminated = True
    return False


INPUTS: dict[str, Input] = {
    "instance.started": started, "task.completed": task_completed, "message.received": message,
    "timer.fired": timer_fired, "incident.retried": retried, "instance.suspended": suspended,
    "instance.resumed": resumed, "instance.terminated": terminated,
}
