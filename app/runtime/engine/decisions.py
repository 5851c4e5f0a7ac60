"""A deployed decision table asked from a handler (issue 16): the "next allowed moment" asks the
cut-window table the diagram's business-rule task asks, hour by hour, with facts of its own. The
table is the one parsed into the instance's spec (so the deployed version, exactly), evaluated by
SpiffWorkflow's own DMN engine with the instance's script engine.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from SpiffWorkflow.task import Task


@dataclass
class _Asking:
    """What the DMN engine reads of a task: its data, its workflow (for the script engine), its spec."""

    data: dict[str, Any]
    workflow: Any
    task_spec: Any


def decide(task: Task, rule_task: str, data: Mapping[str, Any]) -> dict[str, Any]:
    """The outputs of the decision table that the business-rule task ``rule_task`` of ``task``'s
    process calls, for ``data`` as that task's data ({} when no rule matches). ValueError when the
    process has no such business-rule task."""
    spec = _rule_spec(task, rule_task)
    asking = _Asking(dict(data), task.workflow, spec)
    return dict(spec.dmnEngine.result(asking))


def _rule_spec(task: Task, rule_task: str) -> Any:
    top = task.workflow.top_workflow
    for spec in (task.workflow.spec, top.spec, *top.subprocess_specs.values()):
        found = spec.task_specs.get(rule_task)
        if found is not None and hasattr(found, "dmnEngine"):
            return found
    raise ValueError(f"this process has no business-rule task {rule_task!r} to ask")
