"""What other queries need from an instance's state, computed after each step.

The inbox reads ``user_tasks``, the message router reads ``waiting_messages``, the scheduler
reads ``instances.next_wake_at``; none of them ever deserializes an instance.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.specs.event_definitions.message import MessageEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from SpiffWorkflow.task import TaskState

from app.runtime.canonical import canonical_json

# SpiffWorkflow fires a timer only when due < now (strict): wake one second after it is due.
TIMER_GRACE = timedelta(seconds=1)


@dataclass(frozen=True)
class OpenUserTask:
    id: str
    element_id: str
    name: str | None
    lane: str | None


@dataclass(frozen=True)
class AwaitedMessage:
    message_name: str
    correlation: str
    correlations: dict[str, Any]
    definition: MessageEventDefinition | None = field(default=None, compare=False)


def open_user_tasks(workflow: BpmnWorkflow) -> list[OpenUserTask]:
    return [
        OpenUserTask(str(t.id), t.task_spec.bpmn_id or t.task_spec.name, t.task_spec.bpmn_name, t.task_spec.lane)
        for t in workflow.get_tasks(state=TaskState.READY, manual=True)
    ]


def correlation_value(values: list[Any]) -> str:
    """The router's key for a message's correlation values ('' when it has none)."""
    if not values:
        return ""
    if len(values) == 1:
        return str(values[0])
    return canonical_json(values)


def awaited_messages(workflow: BpmnWorkflow) -> list[AwaitedMessage]:
    awaited = []
    for task in workflow.event_manager.tasks.values():
        definition = task.task_spec.event_definition
        if not isinstance(definition, MessageEventDefinition):
            continue
        properties = list(definition.correlation_properties) + list(getattr(definition, "process_correlations", []))
        correlations = task.workflow.correlations
        values, used = [], {}
        for prop in sorted(properties, key=lambda p: p.name):
            for key in prop.correlation_keys:
                if prop.name in correlations.get(key, {}):
                    values.append(correlations[key][prop.name])
                    used[key] = correlations[key]
                    break
        awaited.append(AwaitedMessage(definition.name, correlation_value(values), used, definition))
    return awaited


def catching_definition(workflow: BpmnWorkflow, name: str) -> MessageEventDefinition | None:
    """The event definition of the task that waits for the message ``name``, if any."""
    for task in workflow.event_manager.tasks.values():
        definition = task.task_spec.event_definition
        if isinstance(definition, MessageEventDefinition) and definition.name == name:
            return definition
    return None


def next_wake_at(workflow: BpmnWorkflow) -> datetime | None:
    """When the scheduler must next refresh this instance's timers (due + 1 s)."""
    dues = []
    for task in workflow.event_manager.tasks.values():
        definition = task.task_spec.event_definition
        if not isinstance(definition, TimerEventDefinition):
            continue
        value = definition.details(task).value
        if isinstance(value, str):
            try:
                dues.append(TimerEventDefinition.get_datetime(value))
            except ValueError:
                continue
    return min(dues) + TIMER_GRACE if dues else None
