"""What a workflow's business rule tasks asked their decision tables, and what another version's
table would have answered on the same data (issue 16 item 6: a rehearsal of a changed table).

Both answers are computed the same way, by the library's own DMN engine on the completed task: its
data (what the table was asked with) and the workflow's script engine (the same FEEL-as-Python
cells the runtime evaluates). A draft that no longer has the task, or whose deployed version had
none, has nothing to compare."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.dmn.engine.DMNEngine import DMNEngine
from SpiffWorkflow.task import Task, TaskState

from app.runtime.canonical import json_safe
from app.runtime.engine.state import SpecPair


@dataclass(frozen=True)
class DecisionAsked:
    """One business rule task's question, and both tables' answers to it."""

    element_id: str
    task_name: str | None
    table: str  # the decision table's id (its name when it has one)
    inputs: dict[str, Any]  # each input's label (else expression) → its value in the task's data
    answer: dict[str, Any]  # this workflow's table
    other: dict[str, Any]  # the other version's table, on the same data

    @property
    def moved(self) -> bool:
        return self.answer != self.other


def decisions_asked(workflow: BpmnWorkflow, other: SpecPair) -> list[DecisionAsked]:
    """Every completed business rule task of ``workflow``, asked again of its own table and of the
    table the same task calls in ``other`` (tasks ``other`` lacks are left out), in the order run."""
    engines = _engines(other)
    asked = []
    for task in workflow.get_tasks(state=TaskState.COMPLETED):
        engine = getattr(task.task_spec, "dmnEngine", None)
        if not isinstance(engine, DMNEngine):
            continue
        other_engine = engines.get((task.workflow.spec.name, task.task_spec.name))
        if other_engine is None:
            continue
        table = engine.decision_table
        asked.append(DecisionAsked(task.task_spec.name, getattr(task.task_spec, "bpmn_name", None),
                                   str(table.name or table.id), _inputs(engine, task),
                                   _answer(engine, task), _answer(other_engine, task)))
    return asked


def _engines(specs: SpecPair) -> dict[tuple[str, str], DMNEngine]:
    top, subprocesses = specs
    found = {}
    for spec in (top, *subprocesses.values()):
        for name, task_spec in spec.task_specs.items():
            engine = getattr(task_spec, "dmnEngine", None)
            if isinstance(engine, DMNEngine):
                found[(spec.name, name)] = engine
    return found


def _inputs(engine: DMNEngine, task: Task) -> dict[str, Any]:
    values = {}
    for column in engine.decision_table.inputs:
        label = str(column.label or column.expression or column.id)
        try:
            values[label] = json_safe(task.workflow.script_engine.evaluate(task, column.expression))
        except Exception as exc:  # an input the data cannot give is shown as such, never guessed
            values[label] = f"({type(exc).__name__})"
    return values


def _answer(engine: DMNEngine, task: Task) -> dict[str, Any]:
    try:
        return {str(name): json_safe(value) for name, value in engine.result(task).items()}
    except Exception as exc:  # a table that fails on this data answers with its failure
        return {"error": f"{type(exc).__name__}: {exc}"[:300]}
