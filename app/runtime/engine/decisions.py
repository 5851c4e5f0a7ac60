"""A deployed decision table asked outside its business-rule task (issue 16): the "next allowed
moment" asks the cut-window table the diagram's business-rule task asks, hour by hour, with facts of
its own; the issue form asks it whether each customer may be cut now. The table is the one parsed
into the version's spec (so the deployed version, exactly), evaluated by SpiffWorkflow's own DMN
engine with the restricted script engine.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine
from SpiffWorkflow.task import Task


@dataclass
class _Workflow:
    script_engine: Any


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
    top = task.workflow.top_workflow
    spec = rule_spec((task.workflow.spec, top.spec, *top.subprocess_specs.values()), rule_task)
    return dict(spec.dmnEngine.result(_Asking(dict(data), task.workflow, spec)))


def decide_many(specs: Iterable[Any], environment: Any, rule_task: str,
                inputs: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """``decide`` for each of ``inputs``, on a version's specs, outside any instance."""
    spec = rule_spec(specs, rule_task)
    workflow = _Workflow(PythonScriptEngine(environment=environment))
    return [dict(spec.dmnEngine.result(_Asking(dict(data), workflow, spec))) for data in inputs]


def rule_spec(specs: Iterable[Any], rule_task: str) -> Any:
    for spec in specs:
        found = spec.task_specs.get(rule_task)
        if found is not None and hasattr(found, "dmnEngine"):
            return found
    raise ValueError(f"this process has no business-rule task {rule_task!r} to ask")
