"""The timers a workflow waits on, each with its element and due time: what a rehearsal's own
clock (``app.workbench.rehearsal``) fires next. The durable runtime needs only the earliest
(``projection.next_wake_at``, built on this); a rehearsal needs each, to fire a draft's timers one by one at the
times the draft sets (PT45M where the recorded case waited PT2H)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition


@dataclass(frozen=True)
class PendingTimer:
    element_id: str | None
    due_text: str  # the due time as the engine holds it (and as a ``timer.fired`` event records it)
    due: datetime
    cycle: bool  # a cycle timer (its ``next`` firing); the durable runtime's wake-up leaves these out


def pending_timers(workflow: BpmnWorkflow) -> list[PendingTimer]:
    """Every waiting timer with a due time, earliest first (a cycle: its next firing)."""
    found = []
    for task in workflow.event_manager.tasks.values():
        definition = task.task_spec.event_definition
        if not isinstance(definition, TimerEventDefinition):
            continue
        value = definition.details(task).value
        text = value.get("next") if isinstance(value, dict) else value
        if not isinstance(text, str):
            continue
        try:
            due = TimerEventDefinition.get_datetime(text)
        except ValueError:
            continue
        cycle = not isinstance(value, str)
        found.append(PendingTimer(task.task_spec.bpmn_id, text if cycle else value, due, cycle))
    return sorted(found, key=lambda timer: timer.due)
