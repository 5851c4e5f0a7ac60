"""A form for every user task, and starting a disconnection application (issue 4, items 3 and 6).

The task chooses its form (``task_form_registry``); its diagram's validator judges what is sent,
through ``Runtime.complete_task`` — the page and the JSON API send the same data. A form that
is refused comes back with the messages per field and the person's input kept (422); warnings
(M4.1's reader mismatch) are shown before sending, to be acknowledged, never as a refusal.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Flask, current_app, flash, jsonify, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from sqlalchemy.orm import Session
from werkzeug.routing import BuildError

from app.bootstrap import Services
from app.runtime.actors import Actor
from app.runtime.canonical import canonical_json, json_safe, sha256_hex
from app.runtime.errors import RuntimeActionError
from app.runtime.form_schema import schema_of
from app.runtime.forms import FormInvalid
from app.runtime.permissions import require_may_start
from app.translations import reread
from app.web import current
from app.web.api_models.base import NoFields
from app.web.api_models.task_forms import Completed, FormCheck, Started, TaskArgs, TaskDetail, TaskFormData
from app.web.api_operation import Reply, operation, read_body
from app.web.auth import current_actor, requires
from app.web.case_outcome import case_message
from app.web.draft_pages import drafts_for, is_own_draft
from app.web.formatting import local_time
from app.web.inbox_rows import task_label
from app.web.instance_common import ATTRIBUTE_LABELS
from app.web.task_form_context import TaskView, dry_run, load_task, open_tasks_for
from app.web.task_form_kinds import FormRequest, TaskForm, local_input
from app.web.task_form_on_site import instructions
from app.web.task_form_registry import FIELD_LABELS, HOW_LABELS, OUTCOME_LABELS, form_for
from app.web.task_form_schema import KEY as SCHEMA
from storage.models import UserTask
from storage.task_list import tasks_of_instances_started_by

bp = Blueprint("task_forms", __name__)
DISCONNECT = "disconnect"  # the process an application starts (bpmn/disconnect.bpmn)
MAX_WAITING = 50


def register(app: Flask) -> None:
    app.register_blueprint(bp)


# -- starting a disconnection ----------------------------------------------------------------

@bp.route("/disconnections/new", methods=["GET", "POST"])
@requires()
def start_disconnection() -> ResponseReturnValue:
    """Who may start is the diagram's start lane (applicants); POST starts and opens "apply"."""
    services, actor = current.services(), current_actor()
    with services.db.reading() as session:
        _require_may_start(services, session, actor)
        drafts = drafts_for(session, actor, DISCONNECT)
        waiting = _waiting(session, actor, {draft.instance_id for draft in drafts})
    if request.method == "GET":
        return render_template("task_forms/start.html", drafts=drafts, waiting=waiting, local_time=local_time)
    instance_id, first = _start(services, actor)
    flash(case_message(instance_id, lambda case: _("{case}: application started.").format(case=case)), "success")
    return redirect(url_for(".form_page", task_id=first.id) if first else url_for("home"))


@bp.post("/api/disconnections")
@requires()
@operation("Start a disconnection application (M4.1); complete the apply task it returns",
           description="Who may start is the diagram's start lane (applicants). The body is an empty object.",
           body=NoFields, replies={201: Reply("started", Started)}, refuses=(404,))
def api_start_disconnection(body: NoFields) -> ResponseReturnValue:
    services, actor = current.services(), current_actor()
    instance_id, first = _start(services, actor)
    return jsonify(instance_id=instance_id, task_id=first.id if first else None,
                   task_url=url_for(".form_page", task_id=first.id) if first else None), 201


def _require_may_start(services: Services, session: Session, actor: Actor) -> None:
    version_id = services.runtime.latest_version_id(session, DISCONNECT)
    require_may_start(services.runtime.version(session, version_id).specs[0], actor)


def _start(services: Services, actor: Actor) -> tuple[int, UserTask | None]:
    instance_id = services.runtime.start(DISCONNECT, {}, actor)
    with services.db.reading() as session:
        mine = open_tasks_for(session, instance_id, actor)
    return instance_id, (mine[0] if mine else None)


def _waiting(session: Session, actor: Actor, drafts: set[int]) -> list[UserTask]:
    """Open tasks of applications this person sent on that wait for them again (sent back)."""
    tasks = tasks_of_instances_started_by(session, DISCONNECT, actor.name, limit=MAX_WAITING)
    return [t for t in tasks if (t.lane is None or actor.has_role(t.lane)) and t.instance_id not in drafts]


# -- a task's page -----------------------------------------------------------------------------

@bp.get("/tasks/<task_id>")
@requires()
def form_page(task_id: str) -> ResponseReturnValue:
    services, actor = current.services(), current_actor()
    with services.db.reading() as session:
        view = load_task(services, session, task_id, actor)
        form = form_for(view)
        data = form.defaults(view, services.clock.now()) if form else {}
        return _render(session, view, form, data, request.args)


@bp.post("/tasks/<task_id>")
@requires()
def complete_page(task_id: str) -> ResponseReturnValue:
    services, actor = current.services(), current_actor()
    with services.db.reading() as session:
        view = load_task(services, session, task_id, actor)
    form = form_for(view)
    if form is None:
        raise RuntimeActionError(_("No form is installed for this task; nothing was changed."))
    data = form.parse(request.form)
    action = request.form.get("action") or "send"
    if action not in (*form.actions, "send"):
        raise RuntimeActionError(_("unknown action {action}").format(action=repr(action[:40])))
    shown: dict[str, Any] = {}
    if action == "check" or (action == "send" and form.warning_keys):
        errors, cleaned = dry_run(services, view, actor, data)
        warnings = _warnings(form, cleaned)
        acknowledged = request.form.get("acknowledged") == _digest(warnings)
        shown = {"errors": errors, "warnings": warnings, "checked": True}
        if action == "check" or errors or (warnings and not acknowledged):
            return _rerender(view, form, data, status=422 if errors else 200, **shown)
    if action == "search":
        return _rerender(view, form, data)
    try:
        services.runtime.complete_task(task_id, data, actor)
    except FormInvalid as invalid:
        return _rerender(view, form, data, status=422, **{**shown, "errors": invalid.errors})
    task = task_label(view.element_id, view.name)
    flash(case_message(view.instance_id, lambda case: _("{case}: “{task}” done.").format(case=case, task=task)),
          "success")
    return redirect(_next_url(services, view.instance_id, actor))


def _rerender(view: TaskView, form: TaskForm, data: dict[str, Any], *, status: int = 200,
              **shown: Any) -> ResponseReturnValue:
    with current.services().db.reading() as session:
        return _render(session, view, form, data, request.form, status=status, **shown)


def _render(session: Session, view: TaskView, form: TaskForm | None, data: dict[str, Any], inputs: Any, *,
            status: int = 200, errors: dict[str, str] | None = None, warnings: list[str] | None = None,
            checked: bool = False) -> ResponseReturnValue:
    services, actor = current.services(), current_actor()
    context = form.context(FormRequest(session, view, actor, services.clock.now(), data, inputs)) if form else {}
    labels = {**FIELD_LABELS, **{field["name"]: field["label"] for field in context.get("fields", [])}} \
        if form and form.key == SCHEMA else FIELD_LABELS
    return render_template(
        "task_forms/task.html", view=view, form=form, data=data, ctx=context, errors=errors or {},
        warnings=warnings or [], ack=_digest(warnings or []), checked=checked, shown_data=_shown_data(view, form),
        instructions=instructions(view), local_time=local_time, local_input=local_input,
        instance_url=_instance_url, field_labels=labels, outcome_labels=OUTCOME_LABELS,
        attribute_labels=ATTRIBUTE_LABELS, how_labels=HOW_LABELS,
        own_draft=is_own_draft(session, view.instance_id, actor),
    ), status


def _next_url(services: Services, instance_id: int, actor: Actor) -> str:
    """Where a completed form leads: the instance's next task for this person, else the inbox."""
    with services.db.reading() as session:
        mine = open_tasks_for(session, instance_id, actor)
    if mine:
        return url_for(".form_page", task_id=mine[0].id)
    return url_for("inbox.page") if "inbox.page" in current_app.view_functions else url_for("home")


def _instance_url(instance_id: int) -> str | None:
    try:
        return url_for("instances.detail_page", instance_id=instance_id)
    except BuildError:  # the process views are another feature's: link them when they exist
        return None


def _warnings(form: TaskForm, cleaned: dict[str, Any]) -> list[str]:
    """The validator's warnings (English, as the data keeps them), each shown in the reader's language."""
    return [reread(str.__str__(w), form.warning_templates)
            for key in form.warning_keys for w in (cleaned.get(key) or [])]


def _digest(warnings: list[str]) -> str:
    """Sending anyway acknowledges exactly the warnings shown: new ones are shown first."""
    return sha256_hex(canonical_json(warnings))[:16] if warnings else ""


def _shown_data(view: TaskView, form: TaskForm | None) -> dict[str, Any]:
    if form is None:
        return view.data
    return {key: view.data[key] for key in form.data_keys if key in view.data}


# -- JSON ----------------------------------------------------------------------------------------

FORM_DATA = ("The fields of the task's own form (GET /api/tasks/{task_id} lists them): a field the form does "
             "not have is a 400 naming it; what the fields hold is judged by the task's validator, 422 per field.")


@bp.get("/api/tasks/<task_id>")
@requires()
@operation("An open task: its process, instance, form fields, the context the form shows, and its data",
           description="Needs the role of the task's lane. The application's customer search takes the query "
                       "arguments find_number, find_segment, find_reader, find_min_arrears (yuan).",
           query=TaskArgs, replies={200: Reply("the task", TaskDetail)}, refuses=(404,))
def api_task(task_id: str, query: TaskArgs) -> ResponseReturnValue:
    """The task, its instance and process, its form's fields and context, and its data."""
    services, actor = current.services(), current_actor()
    inputs = query.model_dump(exclude_none=True)
    with services.db.reading() as session:
        view = load_task(services, session, task_id, actor)
        form = form_for(view)
        now = services.clock.now()
        context = form.context(FormRequest(session, view, actor, now, form.defaults(view, now), inputs)) \
            if form else {}
    return jsonify({
        "id": view.id, "element_id": view.element_id, "name": view.name, "lane": view.lane,
        "lane_name": view.lane_name,
        "claimed_by": view.claimed_by, "created_at": view.created_at.isoformat(),
        "may_complete": view.blocked is None, "blocked": view.blocked,
        "process": {"id": view.process_id, "name": view.process_name},
        "instance": {"id": view.instance_id, "status": view.instance_status, "parent_id": view.parent_id,
                     "started_by": view.started_by, "attributes": view.attributes},
        "instructions": instructions(view),
        "form": {"id": form.key, "fields": form.fields, "warnings": list(form.warning_keys),
                 "schema": schema_of(view.properties) if form.key == SCHEMA else None} if form else None,
        "context": json_safe(context), "data": _shown_data(view, form),
    })


@bp.post("/api/tasks/<task_id>/check")
@requires()
@operation("Run the task's validator on form data without completing: errors and warnings before sending",
           description="Warnings (such as M4.1's customer of another reader's segment) are not refusals. "
                       + FORM_DATA, body=TaskFormData, reads="object",
           replies={200: Reply("the verdict", FormCheck)}, refuses=(404,))
def api_check(task_id: str, body: dict[str, Any]) -> ResponseReturnValue:
    """The task's validator on the body, without completing: errors and warnings before sending."""
    services, actor = current.services(), current_actor()
    with services.db.reading() as session:
        view = load_task(services, session, task_id, actor)
    form = form_for(view)
    errors, cleaned = dry_run(services, view, actor, _form_fields(form, body))
    return jsonify(ok=not errors, errors=errors, warnings=_warnings(form, cleaned) if form else [], data=cleaned)


@bp.post("/api/tasks/<task_id>/complete")
@requires()
@operation("Complete the task with its form data (validated server-side by the diagram's validator)",
           description="An unclaimed task may be completed by anyone holding its lane's role; a task claimed by "
                       "someone else, or whose instance is not running, is a 409. " + FORM_DATA,
           body=TaskFormData, reads="object", replies={200: Reply("completed", Completed)}, refuses=(404, 409, 422))
def api_complete(task_id: str, body: dict[str, Any]) -> ResponseReturnValue:
    """Complete with the form data (the validator's shape); 422 with ``errors`` per field."""
    services, actor = current.services(), current_actor()
    with services.db.reading() as session:
        form = form_for(load_task(services, session, task_id, actor))
    instance_id = services.runtime.complete_task(task_id, _form_fields(form, body), actor)
    with services.db.reading() as session:
        mine = open_tasks_for(session, instance_id, actor)
    return jsonify(completed=task_id, instance_id=instance_id, next_tasks=[
        {"id": t.id, "element_id": t.element_id, "name": t.name, "url": url_for(".api_task", task_id=t.id)}
        for t in mine])


def _form_fields(form: TaskForm | None, body: dict[str, Any]) -> dict[str, Any]:
    """The body, once the form's model has found no field the form does not have (a task
    without an installed form sends its validator what it is given)."""
    if form is not None:
        read_body(form.model, body)
    return body
