"""The forms of the disconnection batch (bpmn/disconnect.bpmn, M4): apply, approve, issue, the
empty batch's "archive?" and sending on to archive. Each gives its validator's data shape."""

from __future__ import annotations

import re
from dataclasses import asdict
from datetime import date
from typing import Any

from werkzeug.datastructures import MultiDict

from app.rules.beijing import beijing_date
from app.runtime import batches
from app.translations import N_, reread
from app.usecases.cut_preview import waiting_now
from app.web.api_models.task_forms import (
    ApplicationForm,
    ApprovalForm,
    ArchiveEmptyForm,
    IssueForm,
    SendToArchiveForm,
)
from app.web.current import services
from app.web.formatting import yuan
from app.web.reason_labels import reason_code_choices
from app.web.task_form_context import TaskView
from app.web.task_form_customers import CustomerSearch, customer_rows, search_in_arrears, segment_choices
from app.web.task_form_kinds import FormRequest, TaskForm
from handlers.disconnection import READER_WARNINGS, paid_among
from storage.reason_codes import DISCONNECTION
from storage.statuses import PowerStatus

NUMBER_SEPARATORS = re.compile(r"[\s,，;；、]+")


def _application_facts(view: TaskView) -> dict[str, Any]:
    """What the applicant and approver said: every executor's screen repeats it."""
    data = view.data
    return {key: data.get(key) for key in ("reason", "reason_code", "planned_date", "applicant", "approver",
                                           "opinion")} | {
        "reader_warnings": [reread(str(w), READER_WARNINGS) for w in data.get("reader_warnings") or []]}


def _with_total(rows: list[dict[str, Any]]) -> dict[str, Any]:
    return {"customers": rows, "total_owed": yuan(sum(r.get("owed_cents") or 0 for r in rows))}


# -- apply (M4.1) ------------------------------------------------------------------------------

def parse_application(inputs: MultiDict[str, str]) -> dict[str, Any]:
    picked = inputs.getlist("customers")
    typed = NUMBER_SEPARATORS.split(inputs.get("customer_numbers", ""))
    numbers = [n.strip() for n in [*picked, *typed] if n.strip()]
    return {"customers": list(dict.fromkeys(numbers)), "reason": inputs.get("reason", "").strip(),
            "reason_code": inputs.get("reason_code", "").strip(),
            "planned_date": inputs.get("planned_date", "").strip()}


def application_defaults(view: TaskView, now: Any) -> dict[str, Any]:
    """A new application is empty, planned for today; one sent back keeps what it held."""
    return {"customers": list(view.data.get("customers") or []), "reason": view.data.get("reason") or "",
            "reason_code": view.data.get("reason_code") or "",  # none yet: the list's first, 01 as shipped
            "planned_date": view.data.get("planned_date") or beijing_date(now).isoformat()}


def application_context(request: FormRequest) -> dict[str, Any]:
    search = CustomerSearch.from_inputs(request.inputs, request.actor.name)
    results, matching, search_error = search_in_arrears(request.session, search)
    chosen = set(request.data.get("customers") or [])
    sent_back = request.view.data.get("decision") == "send_back"
    return {
        "search": asdict(search), "results": [r for r in results if r["number"] not in chosen], "matching": matching,
        "search_error": search_error, "selected": customer_rows(request.session, request.data.get("customers") or []),
        "segments": segment_choices(request.session), "me": request.actor.name,
        "reason_codes": reason_code_choices(DISCONNECTION),
        "separators": NUMBER_SEPARATORS.pattern,  # the page counts typed numbers as the server splits them
        "sent_back": {"by": request.view.data.get("approver"), "opinion": request.view.data.get("opinion")}
        if sent_back else None,
    }


APPLICATION = TaskForm(
    key="disconnection.application", template="task_forms/application.html",
    model=ApplicationForm,
    parse=parse_application, defaults=application_defaults, context=application_context,
    data_keys=("customers", "reason", "reason_code", "planned_date", "decision", "approver", "opinion"),
    warning_keys=("reader_warnings",), warning_templates=READER_WARNINGS, actions=("search", "check"),
)


# -- approve (M4.2) ----------------------------------------------------------------------------

def parse_approval(inputs: MultiDict[str, str]) -> dict[str, Any]:
    return {"opinion": inputs.get("opinion", "").strip(), "decision": inputs.get("decision", "")}


def approval_context(request: FormRequest) -> dict[str, Any]:
    view = request.view
    return _application_facts(view) | _with_total(customer_rows(request.session, view.data.get("customers") or []))


APPROVAL = TaskForm(
    key="disconnection.approval", template="task_forms/approval.html",
    model=ApprovalForm,
    parse=parse_approval, defaults=lambda view, now: {"opinion": "", "decision": ""}, context=approval_context,
    data_keys=("customers", "reason", "reason_code", "planned_date", "applicant", "reader_warnings"),
)


# -- issue (M4.3.2-3) --------------------------------------------------------------------------

def parse_issue(inputs: MultiDict[str, str]) -> dict[str, Any]:
    """Per customer who paid meanwhile: ``choice.<number>`` keep|cancel and ``reason.<number>``."""
    keep: dict[str, str] = {}
    cancel: list[str] = []
    for key, choice in inputs.items():
        if not key.startswith("choice."):
            continue
        number = key.removeprefix("choice.")
        if choice == "keep":
            keep[number] = inputs.get(f"reason.{number}", "").strip()
        elif choice == "cancel":
            cancel.append(number)
    return {"keep": keep, "cancel": cancel}


def issue_context(request: FormRequest) -> dict[str, Any]:
    view = request.view
    numbers = list(view.data.get("customers") or [])
    planned = _date(view.data.get("planned_date"))
    notice = view.data.get("notice") or {}
    return _application_facts(view) | _with_total(customer_rows(request.session, numbers)) | {
        "paid_now": paid_among(request.session, numbers),  # as of now: the validator asks the same
        "paid_at_check": list(view.data.get("paid_meanwhile") or []),
        "notified": list(notice.get("notified") or []), "not_notified": dict(notice.get("not_notified") or {}),
        "too_early": planned is not None and beijing_date(request.now) < planned,
        "waiting_now": _waiting_now(request, numbers, notice),
    }


def _waiting_now(request: FormRequest, numbers: list[str], notice: dict[str, Any]) -> dict[str, str] | None:
    """Who the cut window would not cut now, and why (issue 16 item 2): the executor sees it before issuing."""
    notified = set(notice.get("notified") or [])
    noticed = {n: notice.get("at") if n in notified else None for n in numbers}
    return waiting_now(request.session, services().runtime, numbers, noticed, request.now)


ISSUE = TaskForm(
    key="disconnection.issue", template="task_forms/issue.html",
    model=IssueForm,
    parse=parse_issue, defaults=lambda view, now: {"keep": {}, "cancel": []}, context=issue_context,
    data_keys=("customers", "reason", "reason_code", "planned_date", "paid_meanwhile", "notice", "opinion",
               "approver"),
    confirm=N_("Send the disconnect commands now? Customers who paid and are not kept leave the flow."),
)


# -- the empty batch (M4.3.4) and sending on to archive (M4.3.7) --------------------------------

def empty_context(request: FormRequest) -> dict[str, Any]:
    view = request.view
    return _application_facts(view) | _with_total(customer_rows(request.session, view.data.get("customers") or [])) | {
        "cancelled": list(view.data.get("cancel") or []), "executor": view.data.get("executor")}


ARCHIVE_EMPTY = TaskForm(
    key="disconnection.archive_empty", template="task_forms/archive_empty.html",
    model=ArchiveEmptyForm,
    parse=lambda inputs: {"archive": inputs.get("archive") == "yes"},
    defaults=lambda view, now: {"archive": True}, context=empty_context,
    data_keys=("customers", "cancel", "paid_meanwhile", "executor"),
    confirm=N_("No customer is left: archive this flow? It cannot be reopened."),
)

OUTCOMES_CUT = ("disconnected",)


def archive_context(request: FormRequest) -> dict[str, Any]:
    """Every customer's outcome, as its child reported it, next to the power status now."""
    children = _children_results(request)
    outcomes: list[dict[str, Any]] = []
    for child in children:
        result, start = child.get("result") or {}, child.get("data") or {}
        outcomes.append({"number": str(result.get("customer") or start.get("customer_number")),
                         "outcome": result.get("outcome") or child.get("status"), "at": result.get("at"),
                         "how": result.get("how"), "note": result.get("note"), "instance_id": child.get("instance_id"),
                         "kept": bool(start.get("kept"))})
    now_status = {r["number"]: r for r in customer_rows(request.session, [o["number"] for o in outcomes])}
    for outcome in outcomes:
        row = now_status.get(outcome["number"]) or {}
        outcome["power_status"] = row.get("power_status")
        cut_now = row.get("power_status") == PowerStatus.DISCONNECTED
        outcome["mismatch"] = (outcome["outcome"] in OUTCOMES_CUT) != cut_now
    cut = sum(1 for o in outcomes if o["outcome"] in OUTCOMES_CUT)
    return _application_facts(request.view) | {"outcomes": outcomes, "cut": cut, "not_cut": len(outcomes) - cut,
                                               "mismatched": sum(1 for o in outcomes if o["mismatch"])}


def _children_results(request: FormRequest) -> list[dict[str, Any]]:
    """The batch's results: read by its id (issue 14 item 9), or from the message of older versions."""
    done = request.view.data.get("children") or {}
    if "results" in done or "batch_id" not in done:
        return list(done.get("results") or [])
    return batches.results_for_parent(request.session, done["batch_id"], request.view.instance_id)


SEND_TO_ARCHIVE = TaskForm(
    key="disconnection.send_to_archive", template="task_forms/send_to_archive.html",
    model=SendToArchiveForm, parse=lambda inputs: {}, defaults=lambda view, now: {}, context=archive_context,
    data_keys=("customers", "children", "to_disconnect", "cancel", "keep"),
    confirm=N_("Send the batch on to archive? Archiving checks every customer's power status and closes the flow."),
)

FORMS = (APPLICATION, APPROVAL, ISSUE, ARCHIVE_EMPTY, SEND_TO_ARCHIVE)


def _date(value: Any) -> date | None:
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        return None
