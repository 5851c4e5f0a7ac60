"""What other queries need from an instance's state, computed after each step.

The inbox reads ``user_tasks`` (with each task's due time and the customers it concerns), the
message router reads ``waiting_messages``, the scheduler reads ``instances.next_wake_at``; none of
them ever deserializes an instance.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.specs.event_definitions.message import MessageEventDefinition
from SpiffWorkflow.specs.base import TaskSpec
from SpiffWorkflow.task import TaskState

from app.runtime.canonical import canonical_json, json_safe
from app.runtime.engine.lanes import lane_role
from app.runtime.engine.pending_timers import pending_timers

log = logging.getLogger("relayflow.runtime")
# SpiffWorkflow fires a timer only when due < now (strict): wake one second after it is due.
TIMER_GRACE = timedelta(seconds=1)

# ``<spiffworkflow:property name="due_in" value="PT4H"/>`` on a user task: how long people have
# for it once it is open. Weeks, days, hours, minutes, seconds only: months and years have no
# fixed length, so a due time in them would depend on the calendar.
DUE_IN_PROPERTY = "due_in"
_DURATION = re.compile(r"P(?:(?P<weeks>\d+)W)?(?:(?P<days>\d+)D)?"
                       r"(?:T(?=\d)(?:(?P<hours>\d+)H)?(?:(?P<minutes>\d+)M)?(?:(?P<seconds>\d+)S)?)?")
# ``<spiffworkflow:property name="offer_to" value="customer.get('reader')"/>`` on a user task: an
# expression over the task's data naming the user it is offered to first — in their "my tasks" while
# unclaimed, and still in its lane for anyone holding the lane's role to claim or reassign.
OFFER_TO_PROPERTY = "offer_to"
USERNAME_MAX = 64
# The process variables that name the customers a task concerns: a batch's list, one customer.
CUSTOMER_LIST_VARIABLE, CUSTOMER_VARIABLE = "customers", "customer_number"
CUSTOMER_NUMBER_MAX = 64


@dataclass(frozen=True)
class OpenUserTask:
    id: str
    element_id: str
    name: str | None
    lane: str | None  # the role of the task's lane: who may do it
    due_in: timedelta | None = None
    customers: tuple[str, ...] = ()
    offer_to: str | None = None  # the diagram's expression; evaluated once, when the task opens
    lane_name: str | None = None  # the lane's name people read (审批人)


def parse_due_in(value: str) -> timedelta:
    """An ISO-8601 duration such as ``PT4H``, ``P1D`` or ``P1DT12H`` (ValueError otherwise, or if zero)."""
    match = _DURATION.fullmatch(value.strip())
    if match is None or not any(match.groupdict().values()):
        raise ValueError(f"{value!r} is not an ISO-8601 duration in weeks, days, hours, minutes or seconds")
    duration = timedelta(**{unit: int(amount) for unit, amount in match.groupdict().items() if amount})
    if duration <= timedelta(0):
        raise ValueError(f"{value!r} is zero: a task cannot be due the moment it opens")
    return duration


def _properties(task_spec: TaskSpec) -> dict[str, Any]:
    return (getattr(task_spec, "extensions", None) or {}).get("properties") or {}


def _due_in(task_spec: TaskSpec) -> timedelta | None:
    value = _properties(task_spec).get(DUE_IN_PROPERTY)
    return parse_due_in(str(value)) if value else None  # deploy lint has refused bad values


def offered_to(workflow: BpmnWorkflow, task: OpenUserTask) -> str | None:
    """The username the task's ``offer_to`` expression gives with the task's data, if it gives one.
    An expression that fails (data the archive did not have) offers the task to nobody in particular:
    it stays with its lane, as if the diagram said nothing."""
    if not task.offer_to:
        return None
    engine_task = workflow.get_task_from_id(UUID(task.id))
    try:
        value = workflow.script_engine.evaluate(engine_task, task.offer_to)
    except Exception as exc:  # any failure of the analyst's expression means "nobody in particular"
        log.warning("task %s (%s): offer_to %r gave no user: %s", task.id, task.element_id, task.offer_to, exc)
        return None
    return value if isinstance(value, str) and 0 < len(value) <= USERNAME_MAX else None


def customers_named(data: Mapping[str, object]) -> tuple[str, ...]:
    """The customer numbers a task's data names (never more than a batch holds, each once)."""
    named = data.get(CUSTOMER_LIST_VARIABLE)
    numbers = list(named) if isinstance(named, list) else [data.get(CUSTOMER_VARIABLE)]
    return tuple(dict.fromkeys(n for n in numbers if isinstance(n, str) and 0 < len(n) <= CUSTOMER_NUMBER_MAX))


@dataclass(frozen=True)
class AwaitedMessage:
    message_name: str
    correlation: str
    correlations: dict[str, dict[str, object]]  # correlation key → {property: value}
    definition: MessageEventDefinition | None = field(default=None, compare=False)


def open_user_tasks(workflow: BpmnWorkflow) -> list[OpenUserTask]:
    return [
        OpenUserTask(str(t.id), t.task_spec.bpmn_id or t.task_spec.name, t.task_spec.bpmn_name, lane_role(t.task_spec),
                     _due_in(t.task_spec), customers_named(t.data), _properties(t.task_spec).get(OFFER_TO_PROPERTY),
                     t.task_spec.lane)
        for t in workflow.get_tasks(state=TaskState.READY, manual=True)
    ]


def correlation_value(values: list[object]) -> str:
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


def awaited_under(awaited: Iterable[AwaitedMessage], name: str, correlation: str | None = None
                  ) -> AwaitedMessage | None:
    """The first of ``awaited`` under the message ``name`` (with ``correlation``, when given)."""
    return next((m for m in awaited if m.message_name == name and correlation in (None, m.correlation)), None)


def catching_definition(workflow: BpmnWorkflow, name: str) -> MessageEventDefinition | None:
    """The event definition of the task that waits for the message ``name``, if any."""
    for task in workflow.event_manager.tasks.values():
        definition = task.task_spec.event_definition
        if isinstance(definition, MessageEventDefinition) and definition.name == name:
            return definition
    return None


def completed(workflow: BpmnWorkflow) -> bool:
    """Whether the workflow reached its end."""
    return bool(workflow.completed)


def result(workflow: BpmnWorkflow) -> Any:
    """The ``result`` the workflow ended with (JSON-safe; None before its end)."""
    return json_safe(workflow.data.get("result"))


def next_wake_at(workflow: BpmnWorkflow) -> datetime | None:
    """When the scheduler must next refresh this instance's timers (due + 1 s)."""
    dues = [timer.due for timer in pending_timers(workflow) if not timer.cycle]
    return min(dues) + TIMER_GRACE if dues else None
