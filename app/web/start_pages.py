"""The "start" page (issue 12 item 9): whoever holds the role of a start event's lane may start any
deployed process — listed at ``/start``; one whose start event has a form (a JSON Schema) gets that
form, the others a confirmation. The JSON API does the same, under the same rule and the same schema."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Flask, flash, jsonify, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from app.runtime.actors import Actor
from app.runtime.forms import FormInvalid
from app.runtime.starting import Startable, startable, startable_process
from app.web import current
from app.web.api_models.base import NoFields
from app.web.api_models.starting import ProcessStarted, StartableList, StartData
from app.web.api_operation import Reply, operation, read_body
from app.web.auth import current_actor, requires
from app.web.case_outcome import case_message
from app.web.i18n import current_language
from app.web.task_form_context import open_tasks_for
from app.web.task_form_schema import fields, fields_model, parse

bp = Blueprint("start_pages", __name__)


def register(app: Flask) -> None:
    app.register_blueprint(bp)


@bp.get("/start")
@requires()
def list_page() -> ResponseReturnValue:
    services, actor = current.services(), current_actor()
    with services.db.reading() as session:
        processes = startable(services.runtime, session, actor)
    return render_template("start/list.html", processes=processes)


@bp.route("/start/<process_id>", methods=["GET", "POST"])
@requires()
def start_page(process_id: str) -> ResponseReturnValue:
    services, actor = current.services(), current_actor()
    with services.db.reading() as session:
        process = startable_process(services.runtime, session, process_id, actor)
    if request.method == "GET":
        return _render(process, {})
    data = parse(process.form, request.form) if process.form else {}
    try:
        instance_id, task_id = _start(process.process_id, data, actor)
    except FormInvalid as invalid:
        return _render(process, data, invalid.errors, 422)
    flash(case_message(instance_id, lambda case: _("{case}: {process} started.").format(
        case=case, process=_(process.name))), "success")
    return redirect(url_for("task_forms.form_page", task_id=task_id) if task_id else url_for(".list_page"))


def _render(process: Startable, data: dict[str, Any], errors: dict[str, str] | None = None,
            status: int = 200) -> ResponseReturnValue:
    shown = fields(process.form, current_language()) if process.form else []
    labels = {field.name: field.label for field in shown}
    return render_template("start/process.html", process=process, fields=shown, data=data, errors=errors or {},
                           labels=labels), status


def _start(process_id: str, data: dict[str, Any], actor: Actor) -> tuple[int, str | None]:
    """Start, and the new instance's first open task for this person, if any."""
    services = current.services()
    instance_id = services.runtime.start(process_id, data, actor)
    with services.db.reading() as session:
        mine = open_tasks_for(session, instance_id, actor)
    return instance_id, (mine[0].id if mine else None)


# -- JSON ----------------------------------------------------------------------------------------

@bp.get("/api/start")
@requires()
@operation("The deployed processes you may start, each with its start form (a JSON Schema) or none",
           description="Who may start a process is in its diagram: the role of its start event's lane; a start "
                       "event with started_by = system is started by the runtime only.",
           replies={200: Reply("the processes", StartableList)})
def api_list() -> ResponseReturnValue:
    services, actor = current.services(), current_actor()
    with services.db.reading() as session:
        processes = startable(services.runtime, session, actor)
    return jsonify(processes=[{"id": p.process_id, "name": p.name, "form": p.form,
                               "url": url_for(".start_page", process_id=p.process_id)} for p in processes])


@bp.post("/api/start/<process_id>")
@requires()
@operation("Start a deployed process (its start event's lane role), with its start form's fields",
           description="403 without the role of the start event's lane; 404 for a process nobody deployed. "
                       "The start form's JSON Schema judges the fields: 422 per field.",
           body=StartData, reads="object", replies={201: Reply("started", ProcessStarted)}, refuses=(404, 422))
def api_start(process_id: str, body: dict[str, Any]) -> ResponseReturnValue:
    services, actor = current.services(), current_actor()
    with services.db.reading() as session:
        process = startable_process(services.runtime, session, process_id, actor)
    if process.form is not None:
        read_body(fields_model(process.form), body)
    else:
        read_body(NoFields, body)
    instance_id, task_id = _start(process.process_id, body, actor)
    return jsonify(instance_id=instance_id, task_id=task_id,
                   task_url=url_for("task_forms.form_page", task_id=task_id) if task_id else None), 201
