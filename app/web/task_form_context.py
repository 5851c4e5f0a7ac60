"""What a task's page and its JSON show: the open task, its instance and process, and the task's
data as the engine holds it — read in one read-only transaction, never through a step.

Seeing a task needs its lane's role (the diagram says who does it); completing it also needs
the task not to be claimed by someone else and its instance to be running — the runtime's own
rule (``check_may_work_on``), asked here only to say so before the person fills the form in.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from app.bootstrap import Services
from app.runtime.actors import Actor
from app.runtime.api import check_may_work_on
from app.runtime.canonical import json_safe
from app.runtime.errors import NOT_OPEN, Conflict, Forbidden, NotFound
from app.runtime.form_schema import FORM_PROPERTY, schema_errors, schema_of
from app.runtime.forms import VALIDATOR_PROPERTY, FormContext, FormInvalid
from app.runtime.inbox import require_lane_role
from app.runtime.steps.core import parse_task_id
from app.translations import N_, Text
from app.web.reader_scope import refuse_others_task
from storage.instance_records import open_tasks_of
from storage.instances import attributes_of
from storage.models import Instance, UserTask
from storage.statuses import InstanceStatus

# An analyst may name a form explicitly, or write one as a JSON Schema; otherwise the validator's name picks it.


@dataclass(frozen=True)
class TaskView:
    """One open user task as a person sees it."""

    id: str
    element_id: str
    name: str
    lane: str | None  # the lane's role
    lane_name: str | None  # the lane's name people read
    claimed_by: str | None
    created_at: datetime
    due_at: datetime | None  # the diagram's ``due_in`` after the task opened; None: no deadline
    instance_id: int
    instance_status: str
    process_id: str
    process_name: str
    parent_id: int | None
    started_by: str
    attributes: dict[str, str]
    properties: dict[str, str]
    instructions: str | None
    data: dict[str, Any]
    blocked: str | None  # why this person cannot complete it now (None: they can)

    @property
    def validator(self) -> str | None:
        return self.properties.get(VALIDATOR_PROPERTY)

    @property
    def form_key(self) -> str | None:
        return form_key(self.properties)


def form_key(properties: dict[str, str]) -> str | None:
    """The form a task shows: its ``form`` property if the diagram names one, else its validator's
    name — the form and the server-side check then always belong together."""
    return properties.get(FORM_PROPERTY) or properties.get(VALIDATOR_PROPERTY)


def load_task(services: Services, session: Session, task_id: str, actor: Actor) -> TaskView:
    """The open task ``task_id`` for ``actor``: 404 if it is not open, 403 without its lane's role."""
    task = session.get(UserTask, str(parse_task_id(task_id)))
    if task is None:
        raise NotFound(Text(NOT_OPEN, task=task_id))
    require_lane_role(task, actor)
    refuse_others_task(session, task, actor, services.inbox.policy)
    instance = session.get(Instance, task.instance_id)
    if instance is None:
        raise NotFound(Text(N_("task {task} has no saved instance state"), task=task_id))
    ready = services.runtime.ready_task(session, task.id)
    version = services.runtime.version(session, instance.process_version_id)
    return TaskView(
        id=task.id, element_id=task.element_id, name=task.name or task.element_id, lane=task.lane,
        lane_name=task.lane_name,
        claimed_by=task.claimed_by, created_at=task.created_at, due_at=task.due_at, instance_id=instance.id,
        instance_status=instance.status, process_id=instance.process_id,
        process_name=version.specs[0].description or instance.process_id, parent_id=instance.parent_id,
        started_by=instance.started_by, attributes=attributes_of(session, instance.id),
        properties=ready.properties, instructions=ready.instructions, data=ready.data,
        blocked=_blocked(task, instance.status, actor),
    )


def _blocked(task: UserTask, status: str, actor: Actor) -> str | None:
    if status != InstanceStatus.RUNNING:
        return f"instance {task.instance_id} is {status}; its tasks wait until it runs again"
    try:
        check_may_work_on(task, actor)
    except (Conflict, Forbidden) as refused:
        return str(refused)
    return None


def dry_run(services: Services, view: TaskView, actor: Actor, data: dict[str, Any]) -> tuple[dict[str, str], dict]:
    """Run the task's form schema and validator on ``data`` without completing anything: (errors per
    field, the data it would store). Validators only read; the read-only transaction is rolled back
    regardless. The schema first, as ``Runtime.complete_task`` does."""
    schema = schema_of(view.properties)
    if schema is not None:
        errors = schema_errors(schema, data)
        if errors:
            return errors, {}
    validator = services.runtime.validators.get(view.validator or "")
    if validator is None:
        return {}, dict(data)
    with services.db.reading() as session:
        context = FormContext(session, actor, services.clock.now(), view.instance_id, view.data,
                              view.properties)
        try:
            return {}, json_safe(validator(context, json_safe(dict(data))))
        except FormInvalid as invalid:
            return invalid.errors, {}


def open_tasks_for(session: Session, instance_id: int, actor: Actor) -> list[UserTask]:
    """The instance's open tasks this person may work on (where a completed form leads next)."""
    tasks = open_tasks_of(session, [instance_id])[instance_id]
    return [t for t in tasks if (t.lane is None or actor.has_role(t.lane)) and t.claimed_by in (None, actor.name)]
