"""Reading one open user task as the engine holds it, for the pages that show it: the task's data
and what its diagram says about it (properties, instructions for the person).

Read-only: the workflow is decoded from the instance's saved state — the state every step
commits — never taken from the live cache (an entry there belongs to the step that takes it),
never stepped, locked or saved.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from SpiffWorkflow.exceptions import TaskNotFoundException
from SpiffWorkflow.task import TaskState
from sqlalchemy.orm import Session

from app.runtime.canonical import json_safe
from app.runtime.engine.task_properties import task_properties
from app.runtime.errors import NOT_OPEN, NotFound
from app.runtime.steps.core import parse_task_id
from app.translations import N_, Text
from storage import instance_rows, user_task_rows

if TYPE_CHECKING:
    from app.runtime.steps.core import StepRunner


@dataclass(frozen=True)
class ReadyTask:
    """An open (READY) user task's data and its diagram's ``properties`` and ``instructions``."""

    data: dict[str, Any]
    properties: dict[str, str]
    instructions: str | None


def read_ready_task(runner: StepRunner, session: Session, task_id: str) -> ReadyTask:
    """The open user task ``task_id`` as its instance's saved state holds it; ``NotFound`` if it
    is not open (completed, cancelled, never existed) or its instance has no saved state."""
    uuid = parse_task_id(task_id)
    instance_id = user_task_rows.instance_of(session, str(uuid))
    if instance_id is None:
        raise NotFound(Text(NOT_OPEN, task=task_id))
    version_id, state = instance_rows.saved_state(session.connection(), instance_id) or (0, None)
    if state is None:
        raise NotFound(Text(N_("task {task} has no saved instance state"), task=task_id))
    workflow = runner.codec.loads(state, runner.version(session, version_id).specs)
    try:
        engine_task = workflow.get_task_from_id(uuid)
    except TaskNotFoundException:
        raise NotFound(Text(N_("task {task} is not in its instance any more"), task=task_id)) from None
    if engine_task.state != TaskState.READY:
        raise NotFound(Text(NOT_OPEN, task=task_id))
    extensions = getattr(engine_task.task_spec, "extensions", None) or {}
    return ReadyTask(
        data=json_safe(dict(engine_task.data)),
        properties=task_properties(engine_task.task_spec),
        instructions=extensions.get("instructionsForEndUser") or None,
    )
