"""One step of one instance: the engine call and everything it produced, ready to save.

A ``Step`` wraps the restored workflow with the script engine for this step, records every
task transition and handler call in order, notices timers that fired, and turns all of that
into history events. It does no I/O of its own; ``runtime.steps`` saves what it produced.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from SpiffWorkflow.task import Task, TaskState
from sqlalchemy.orm import Session

from app.runtime.contract import Handler
from app.runtime.engine.expressions import RestrictedEnvironment
from app.runtime.engine.transitions import RECORDED_STATES, Transition, recording
from app.runtime.events.history import NewEvent
from app.runtime.steps.services import StepEffects, StepScriptEngine, TaskServiceContext

_FIRED_STATES = {"READY", "COMPLETED"}


@dataclass(frozen=True)
class _PendingTimer:
    element_id: str | None
    due: Any


class Step:
    """The engine side of a step. Use as a context manager around the engine calls."""

    def __init__(
        self,
        workflow: BpmnWorkflow,
        *,
        session: Session,
        instance_id: int,
        now: datetime,
        environment: RestrictedEnvironment,
        handlers: Mapping[str, Handler],
    ) -> None:
        self.workflow = workflow
        self.effects = StepEffects()
        self._log: list[NewEvent | Transition] = []  # handler events and task transitions, in order
        self._session, self._instance_id, self._now = session, instance_id, now
        workflow.script_engine = StepScriptEngine(environment, handlers, self._service_context, self.effects,
                                                  self._log.append)
        self._timers = self._waiting_timers()

    @property
    def now(self) -> datetime:
        return self._now

    def _service_context(self, task: Task, operator: str) -> TaskServiceContext:
        return TaskServiceContext(self._session, self._now, self._instance_id, task, operator)

    def __enter__(self) -> Step:
        self._recording = recording(self._log)
        self._recording.__enter__()
        return self

    def __exit__(self, *exc: Any) -> None:
        self._recording.__exit__(*exc)

    def record(self, event: NewEvent) -> None:
        self._log.append(event)

    def _waiting_timers(self) -> dict[Any, _PendingTimer]:
        timers = {}
        for task in self.workflow.event_manager.tasks.values():
            definition = task.task_spec.event_definition
            if isinstance(definition, TimerEventDefinition):
                timers[task.id] = _PendingTimer(task.task_spec.bpmn_id, definition.details(task).value)
        return timers

    def history_events(self) -> list[NewEvent]:
        """The step's log as history events: element transitions, timers fired, handler calls..."""
        events: list[NewEvent] = []
        fired: set[Any] = set()
        for item in self._log:
            if isinstance(item, NewEvent):
                events.append(item)
                continue
            timer = self._timers.get(item.task_id)
            if timer is not None and item.state in _FIRED_STATES and item.task_id not in fired:
                fired.add(item.task_id)
                events.append(NewEvent("timer.fired", timer.element_id, {"due": timer.due}))
            task = self._task(item)
            if task is None or task.task_spec.bpmn_id is None:
                continue
            if item.state == "READY" and not task.task_spec.manual:
                continue  # an automatic task is ready and done in the same step: "completed" says it
            events.append(NewEvent(RECORDED_STATES[item.state], task.task_spec.bpmn_id))
        for task_id, timer in self._timers.items():  # cycle timers fire and keep waiting
            task = self._find(task_id) if task_id not in fired else None
            if task is not None and task.state == TaskState.WAITING:
                due_now = task.task_spec.event_definition.details(task).value
                if due_now != timer.due:
                    events.append(NewEvent("timer.fired", timer.element_id, {"due": timer.due}))
        return events

    def _task(self, transition: Transition) -> Task | None:
        return self._find(transition.task_id)

    def _find(self, task_id: Any) -> Task | None:
        try:
            return self.workflow.get_task_from_id(task_id)
        except Exception:
            return None
