"""The forms for work done on site: entering a disconnection by hand when the trip failed
(disconnect_customer.bpmn, M4.3.6) and the manual reconnection (reconnect.bpmn ``on_site``)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask_babel import gettext as _
from jinja2.sandbox import SandboxedEnvironment
from werkzeug.datastructures import MultiDict

from app.web.api_models.task_forms import ManualEntryForm, OnSiteForm
from app.web.task_form_context import TaskView
from app.web.task_form_customers import customer_rows
from app.web.task_form_kinds import FormRequest, TaskForm, from_local_input, now_input
from storage import segments
from storage.meter_commands import of_instance as commands_of_instance
from storage.statuses import CommandStatus, PowerStatus

RECONNECT_ACTION = "direct_close"  # the command reconnect.bpmn sends (its send_command's action)
_instructions = SandboxedEnvironment(autoescape=False)  # plain text: the page escapes it once, as any text


def meter_commands(request: FormRequest) -> list[dict[str, Any]]:
    """The commands this instance sent to the meter, oldest first: what the head-end did."""
    rows = commands_of_instance(request.session, request.view.instance_id)
    return [{"command_id": c.command_id, "action": c.action, "status": c.status, "created_at": c.created_at,
             "executed_at": c.executed_at, "relay": c.relay, "error": c.error} for c in rows]


def instructions(view: TaskView) -> str | None:
    """The diagram's instructions for the person, filled in from the task's data (Chinese when the
    catalog has them). An instruction that cannot be filled in is shown as written."""
    if not view.instructions:
        return None
    source = _(view.instructions)
    try:
        return str(_instructions.from_string(source).render(**view.data))
    except Exception:  # an analyst's template error must not hide the task
        return source


# -- enter the disconnection by hand (M4.3.6) ------------------------------------------------

def parse_manual_entry(inputs: MultiDict[str, str]) -> dict[str, Any]:
    done = {"yes": True, "no": False}.get(inputs.get("disconnected", ""))
    return {"disconnected": done, "disconnected_at": from_local_input(inputs.get("disconnected_at")) if done else None,
            "note": inputs.get("note", "").strip()}


def manual_entry_defaults(view: TaskView, now: datetime) -> dict[str, Any]:
    return {"disconnected": None, "disconnected_at": now_input(now), "note": ""}


def why_by_hand(data: dict[str, Any]) -> str:
    """Why the executor is asked (the path the child took to this task)."""
    if (data.get("command") or {}).get("status") not in (None, CommandStatus.QUEUED):
        return _("The meter was busy with another command: the trip was not sent.")
    outcome = data.get("outcome") or {}
    if outcome:
        return _("The head-end reported: {stage} {error}").format(stage=outcome.get("stage", ""),
                                                                  error=outcome.get("error") or "").strip()
    return _("No result from the head-end within 30 minutes: the command expired.")


def manual_entry_context(request: FormRequest) -> dict[str, Any]:
    number = str(request.view.data.get("customer_number") or "")
    [customer] = customer_rows(request.session, [number])
    fetched = None  # a trip reported after its wait expired has set the status and time already
    since = customer.get("power_status_since")
    if customer.get("power_status") == PowerStatus.DISCONNECTED and since and since >= request.view.created_at:
        fetched = since
    return {"customer": customer, "kept": bool(request.view.data.get("kept")), "why": why_by_hand(request.view.data),
            "commands": meter_commands(request), "fetched_at": fetched, "batch_id": request.view.parent_id}


MANUAL_ENTRY = TaskForm(
    key="disconnection.manual_entry", template="task_forms/manual_entry.html",
    model=ManualEntryForm,
    parse=parse_manual_entry, defaults=manual_entry_defaults, context=manual_entry_context,
    data_keys=("customer_number", "kept", "owing", "command", "outcome"),
)


# -- reconnect on site -----------------------------------------------------------------------

def parse_on_site(inputs: MultiDict[str, str]) -> dict[str, Any]:
    return {"reconnected_at": from_local_input(inputs.get("reconnected_at")), "note": inputs.get("note", "").strip()}


def why_on_site(about: dict[str, Any], commands: list[dict[str, Any]]) -> dict[str, Any]:
    """Why the reconnection is done on site, from what the process recorded when it read the
    customer (``reconnection.prepare``) and what its commands did: not flagged for remote
    reconnection (M1.2), so it was not tried; or every remote send failed (M5.2), each with its
    time. ``excluded``: the screening criteria (M1.1) the customer fails, which keep the flag off."""
    excluded = [str(reason) for reason in about.get("screening_reasons") or []]
    if not about.get("auto"):
        return {"kind": "not_flagged", "excluded": excluded, "failed": []}
    failed = [c for c in commands if c["action"] == RECONNECT_ACTION and c["status"] != CommandStatus.EXECUTED]
    return {"kind": "sends_failed", "excluded": excluded, "failed": failed}


def on_site_context(request: FormRequest) -> dict[str, Any]:
    data = request.view.data
    about = data.get("customer") or {}
    number = str(about.get("number") or data.get("customer_number") or "")
    [customer] = customer_rows(request.session, [number])
    reader_mobile = segments.reader_mobile_of_customer(request.session, number)
    commands = meter_commands(request)
    return {"customer": customer, "about": about, "reader_mobile": reader_mobile,
            "manual_order": (data.get("manual_order") or {}).get("number"),
            "auto_order": (data.get("auto_order") or {}).get("number"), "sends": data.get("sends"),
            "instructions": instructions(request.view), "commands": commands, "why": why_on_site(about, commands)}


ON_SITE = TaskForm(
    key="reconnection.on_site", template="task_forms/on_site.html",
    model=OnSiteForm,
    parse=parse_on_site, defaults=lambda view, now: {"reconnected_at": now_input(now), "note": ""},
    context=on_site_context,
    data_keys=("customer_number", "customer", "manual_order", "auto_order", "sends"),
)

FORMS = (MANUAL_ENTRY, ON_SITE)
