"""The process views: the instance list, an instance's detail with its BPMN diagram (bpmn-js from
node_modules/, served by this app — no CDN) with the path taken and the current position, and the
operators' interventions: retry an incident (executors, system administrators); terminate,
suspend, resume with a reason (system administrators). The JSON API is ``instances_api``."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Flask, flash, redirect, render_template, request, send_from_directory, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from app.config import PROJECT_ROOT
from app.runtime.errors import NotFound
from app.runtime.forms import FormInvalid
from app.runtime.reading.instance_detail import instance_detail
from app.runtime.reading.instance_diagram import step_names
from app.translations import N_
from app.web import instances_api
from app.web.api_models.instances import InstanceListArgs
from app.web.api_operation import read_query
from app.web.auth import current_actor, has_any_role, requires
from app.web.current import services
from app.web.formatting import local_time
from app.web.instance_common import (
    ATTRIBUTE_LABELS,
    LIFECYCLE,
    STATUS_BADGES,
    STATUSES,
    event_details,
    event_label,
    reason_from,
    retry,
    run_lifecycle,
)
from app.web.query_args import url_with_args
from storage.instance_listing import SORTS, list_instances, process_choices, summary_of
from storage.statuses import ENDED_INSTANCE, InstanceStatus

bp = Blueprint("instances", __name__)
BPMN_JS_DIST = PROJECT_ROOT / "node_modules" / "bpmn-js" / "dist"
SORT_LABELS = {"newest": N_("Newest first"), "oldest": N_("Oldest first")}
ACTION_LABELS = {"terminate": N_("Terminate"), "suspend": N_("Suspend"), "resume": N_("Resume")}
REASON_LABELS = {"terminate": N_("Reason to terminate"), "suspend": N_("Reason to suspend"),
                 "resume": N_("Reason to resume")}
CONFIRMATIONS = {
    "terminate": N_("Terminate instance {id} and every child instance still active under it? This cannot be undone."),
    "suspend": N_("Suspend instance {id}? Nothing runs (no timer, no message) until it is resumed."),
    "resume": N_("Resume instance {id}? Timers that fell due meanwhile run at once."),
}
DONE = {"terminate": N_("Instance {id} terminated."), "suspend": N_("Instance {id} suspended."),
        "resume": N_("Instance {id} resumed.")}


def register(app: Flask) -> None:
    app.register_blueprint(bp)
    instances_api.register(app)


@bp.get("/vendor/bpmn-js/<path:filename>")
def bpmn_js(filename: str) -> ResponseReturnValue:
    """The diagram viewer's files, only from node_modules/bpmn-js/dist (send_from_directory refuses
    any path that leaves it)."""
    if not BPMN_JS_DIST.is_dir():
        raise NotFound(_("The diagram viewer (bpmn-js) is not installed: run `npm ci` (make install does it)."))
    return send_from_directory(BPMN_JS_DIST, filename)


@bp.get("/instances")
@requires()
def list_page() -> ResponseReturnValue:
    args = read_query(InstanceListArgs)
    filters, sort = args.list_filter(), args.sort
    with services().db.reading() as session:
        found = list_instances(session, filters, page=args.page, size=args.size, sort=sort,
                               viewer=current_actor().name)
        processes = process_choices(session)

    def page_url(number: int) -> str:
        return url_with_args(".list_page", {**request.args.to_dict(), "page": number})

    return render_template("instances/list.html", found=found, filters=filters, sort=sort, processes=processes,
                           statuses=STATUSES, sorts=[(key, SORT_LABELS[key]) for key in SORTS], page_url=page_url,
                           **_helpers())


@bp.get("/instances/<int:instance_id>")
@requires()
def detail_page(instance_id: int) -> ResponseReturnValue:
    return _detail(instance_id)


def _detail(instance_id: int, *, status: int = 200, failed_action: str | None = None,
            errors: dict[str, str] | None = None, reason: str = "") -> ResponseReturnValue:
    with services().db.reading() as session:
        detail = instance_detail(session, instance_id)
        names = step_names(session, detail.record)
    current = detail.record.status
    actions = [action for action in LIFECYCLE if current not in ENDED_INSTANCE and (
        action == "terminate" or (action == "suspend" and current in (InstanceStatus.RUNNING, InstanceStatus.INCIDENT))
        or (action == "resume" and current == InstanceStatus.SUSPENDED))]
    return render_template(
        "instances/detail.html", d=detail, actions=actions if has_any_role("sysadmin") else [],
        may_retry=has_any_role("executor", "sysadmin") and current == InstanceStatus.INCIDENT,
        failed_action=failed_action, errors=errors or {}, reason=reason, step_names=names, **_helpers()), status


@bp.post("/instances/<int:instance_id>/terminate", defaults={"action": "terminate"})
@bp.post("/instances/<int:instance_id>/suspend", defaults={"action": "suspend"})
@bp.post("/instances/<int:instance_id>/resume", defaults={"action": "resume"})
@requires("sysadmin")
def lifecycle(instance_id: int, action: str) -> ResponseReturnValue:
    given = request.form.get("reason", "")
    try:
        reason = reason_from(given)
    except FormInvalid as invalid:
        return _detail(instance_id, status=invalid.status_code, failed_action=action, errors=invalid.errors,
                       reason=given)
    run_lifecycle(action, instance_id, reason)
    flash(_(DONE[action]).format(id=instance_id), "success")
    return redirect(url_for(".detail_page", instance_id=instance_id))


@bp.post("/incidents/<int:incident_id>/retry")
@requires("executor", "sysadmin")
def retry_incident(incident_id: int) -> ResponseReturnValue:
    instance_id = retry(incident_id)
    with services().db.reading() as session:
        after = summary_of(session, instance_id)
    if after is not None and after.has_incident:
        flash(_("Retried; it failed again: see the new incident."), "warning")
    else:
        flash(_("Incident {id} retried; the instance runs on.").format(id=incident_id), "success")
    return redirect(url_for(".detail_page", instance_id=instance_id))


def _helpers() -> dict[str, Any]:
    return {"local_time": local_time, "badges": STATUS_BADGES, "event_label": event_label,
            "event_details": event_details, "action_labels": ACTION_LABELS, "reason_labels": REASON_LABELS,
            "confirmations": CONFIRMATIONS, "attribute_labels": ATTRIBUTE_LABELS}
