"""Which deployed processes a person may start, and with what form.

Who may start a process is in its diagram (``permissions.require_may_start``: the role of the
start event's lane, or ``started_by = system``). A start event may carry a ``form`` property, a
JSON Schema (``form_schema``): the data a person starts the process with must fit it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from SpiffWorkflow.bpmn.specs.bpmn_process_spec import BpmnProcessSpec
from SpiffWorkflow.bpmn.specs.mixins.events.start_event import StartEvent
from sqlalchemy.orm import Session

from app.runtime.actors import Actor
from app.runtime.deployment.lint_tasks import DRAFT_UNTIL_PROPERTY
from app.runtime.engine.task_properties import task_properties
from app.runtime.errors import Forbidden
from app.runtime.form_schema import schema_errors, schema_of
from app.runtime.forms import FormInvalid
from app.runtime.permissions import require_may_start
from app.runtime.steps.core import StepRunner
from storage.task_list import process_names


@dataclass(frozen=True)
class Startable:
    """A process someone may start: its latest version's name and the start event's form, if any."""

    process_id: str
    name: str
    form: dict[str, Any] | None


def start_form(spec: BpmnProcessSpec) -> dict[str, Any] | None:
    """The JSON Schema form of the process's start event (None: it starts without one)."""
    for task_spec in spec.task_specs.values():
        if isinstance(task_spec, StartEvent):
            schema = schema_of(task_properties(task_spec))
            if schema is not None:
                return schema
    return None


def draft_until(spec: BpmnProcessSpec) -> str | None:
    """The task (its BPMN id) whose first completion sends a new case on: until then the case is its
    author's draft (the start event's ``draft_until`` property; None: a case is never a draft)."""
    for task_spec in spec.task_specs.values():
        if isinstance(task_spec, StartEvent):
            until = task_properties(task_spec).get(DRAFT_UNTIL_PROPERTY)
            if until:
                return until
    return None


def require_start_data(spec: BpmnProcessSpec, data: dict[str, Any]) -> None:
    """Start data must fit the start event's form, if it has one (``FormInvalid`` per field)."""
    form = start_form(spec)
    errors = schema_errors(form, data) if form is not None else {}
    if errors:
        raise FormInvalid(errors)


def startable(runtime: StepRunner, session: Session, actor: Actor) -> list[Startable]:
    """The deployed processes ``actor`` may start, by name."""
    found = []
    for process_id, name in process_names(session).items():
        spec = runtime.version(session, runtime.latest_version_id(session, process_id)).specs[0]
        try:
            require_may_start(spec, actor)
        except Forbidden:
            continue
        found.append(Startable(process_id, name, start_form(spec)))
    return sorted(found, key=lambda process: (process.name, process.process_id))


def startable_process(runtime: StepRunner, session: Session, process_id: str, actor: Actor) -> Startable:
    """One process ``actor`` may start: NotFound if nothing of that id is deployed, Forbidden if
    its diagram says someone else starts it."""
    spec = runtime.version(session, runtime.latest_version_id(session, process_id)).specs[0]
    require_may_start(spec, actor)
    return Startable(process_id, spec.description or process_id, start_form(spec))
