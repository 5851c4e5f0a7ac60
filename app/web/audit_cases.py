"""The auditor's screens (issue 5), read-only: the case search, the case page (the instance's own
deployed diagram with a timeline slider, who did what and when, the verification result), the
case-file export (JSON with the hash chain; a printable summary) and the standalone verify script.
Every export is recorded in the ``audit`` history stream."""

from __future__ import annotations

import hashlib
import json
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Annotated, Any, Literal

from flask import Blueprint, Flask, Response, render_template, request, send_file
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from pydantic import Field, StringConstraints

from app.archive.customer_cases import cases_by_id
from app.audit.case_file import (
    CaseFile,
    Verification,
    case_document,
    case_timeline,
    read_case,
    record_export,
    replay_verdict,
    verify_case,
)
from app.audit.case_timeline import Timeline
from app.rules.beijing import BEIJING
from app.runtime.errors import RuntimeActionError
from app.translations import N_
from app.web.api_models.base import Query, page_field, size_field
from app.web.api_operation import read_query
from app.web.auth import current_actor, requires
from app.web.current import services
from app.web.data_fields import field_value, with_messages_read
from app.web.formatting import local_time
from app.web.inbox_rows import task_label
from app.web.instance_common import ATTRIBUTE_LABELS, DEFAULT_PAGE_SIZE, STATUS_BADGES, event_details, event_label
from app.web.query_args import url_with_args
from app.web.value_labels import actor_label
from storage.instance_listing import ListFilter, list_instances, process_choices
from storage.paging import page_count
from storage.statuses import InstanceStatus

bp = Blueprint("audit_cases", __name__)
AUDITORS = ("auditor", "sysadmin")
# A case's timeline is also where an analyst opens a rehearsed case (issue 12 item 5); the search,
# the export and the verify script stay the auditors'.
CASE_READERS = (*AUDITORS, "analyst")
OUTCOMES = {InstanceStatus.COMPLETED: N_("Completed"), InstanceStatus.TERMINATED: N_("Terminated"),
            InstanceStatus.RUNNING: N_("Running"), InstanceStatus.INCIDENT: N_("Incident")}
SCRIPT = Path(__file__).resolve().parents[1] / "audit" / "standalone" / "verify_case.py"
MAX_FILTER = 64


Filter = Annotated[str, StringConstraints(max_length=MAX_FILTER)]


class CaseSearchArgs(Query):
    """The case search's filters (dates are Beijing calendar days, both included) and page."""

    customer: Filter = ""
    work_order: Filter = ""
    process: Filter = ""
    outcome: Literal[tuple(OUTCOMES)] | None = None  # type: ignore[valid-type]
    start: Filter = Field("", alias="from")
    end: Filter = Field("", alias="to")
    page: int = page_field()
    size: int = size_field(DEFAULT_PAGE_SIZE)

    def shown(self) -> dict[str, str]:
        """The filters as the form shows them again."""
        return {"customer": self.customer, "work_order": self.work_order, "process": self.process,
                "outcome": self.outcome or "", "from": self.start, "to": self.end}


def register(app: Flask) -> None:
    app.register_blueprint(bp)


@bp.get("/audit/cases")
@requires(*AUDITORS)
def search_page() -> ResponseReturnValue:
    args = read_query(CaseSearchArgs)
    filters, shown = search_filters(args)
    page, size = args.page, args.size
    with services().db.reading() as session:
        found = list_instances(session, filters, page=page, size=size, sort="newest")
        processes = process_choices(session)
        cases = cases_by_id(session, args.customer, [row.id for row in found.rows]) if args.customer else {}

    def page_url(number: int) -> str:
        return url_with_args(".search_page", {**shown, "size": request.args.get("size"), "page": number})

    return render_template("audit/search.html", found=found, shown=shown, processes=processes, outcomes=OUTCOMES,
                           pages=page_count(found.total, size), page_url=page_url, local_time=local_time,
                           badges=STATUS_BADGES, cases=cases, task_label=task_label)


def search_filters(args: CaseSearchArgs) -> tuple[ListFilter, dict[str, str]]:
    """The search's filters (dates are Beijing calendar days, both included); a date that is not
    one, or a range that ends before it starts, is a 400 that names it."""
    shown = args.shown()
    outcome = shown["outcome"]
    first, last = _day(shown, "from"), _day(shown, "to")
    if first and last and last < first:
        raise RuntimeActionError("the date range ends before it starts (to < from)")
    filters = ListFilter(
        process_id=shown["process"] or None, status=outcome or None, member=shown["customer"] or None,
        work_order=shown["work_order"] or None,
        started_from=_beijing_midnight(first) if first else None,
        started_before=_beijing_midnight(last + timedelta(days=1)) if last else None)
    return filters, shown


def _day(shown: dict[str, str], name: str) -> date | None:
    if not shown[name]:
        return None
    try:
        return date.fromisoformat(shown[name])
    except ValueError:
        raise RuntimeActionError(_("{name} must be a date like 2026-03-02, not {value}").format(
            name=name, value=repr(shown[name][:20]))) from None


def _beijing_midnight(day: date) -> datetime:
    return datetime.combine(day, time(), tzinfo=BEIJING)


@bp.get("/audit/cases/<int:instance_id>")
@requires(*CASE_READERS)
def case_page(instance_id: int) -> ResponseReturnValue:
    case, verification = _verified_case(instance_id)
    frames, names = case_timeline(case)
    return render_template("audit/case.html", case=case, r=case.record, v=verification, rows=_rows(case, names),
                           timeline=_page_timeline(case, frames, names), badges=STATUS_BADGES,
                           attribute_labels=ATTRIBUTE_LABELS, local_time=local_time)


@bp.get("/audit/cases/<int:instance_id>/export.json")
@requires(*AUDITORS)
def export_json(instance_id: int) -> ResponseReturnValue:
    case, verification = _verified_case(instance_id)
    actor, now = current_actor().name, services().clock.now()
    document = case_document(case, verification, exported_at=now, exported_by=actor)
    body = json.dumps(document, ensure_ascii=False, indent=1).encode("utf-8")
    _record(case, verification, "json", body)
    return Response(body, mimetype="application/json", headers={
        "Content-Disposition": f'attachment; filename="case-{case.record.id}.json"'})


@bp.get("/audit/cases/<int:instance_id>/summary")
@requires(*AUDITORS)
def summary_page(instance_id: int) -> ResponseReturnValue:
    case, verification = _verified_case(instance_id)
    _frames, names = case_timeline(case)
    html = render_template("audit/summary.html", case=case, r=case.record, v=verification, rows=_rows(case, names),
                           exported_at=services().clock.now(), exported_by=current_actor().name,
                           attribute_labels=ATTRIBUTE_LABELS, local_time=local_time)
    _record(case, verification, "summary", html.encode("utf-8"))
    return html


@bp.get("/audit/verify_case.py")
@requires(*AUDITORS)
def verify_script() -> ResponseReturnValue:
    """The standalone script a third party runs on an exported case file."""
    return send_file(SCRIPT, mimetype="text/x-python", as_attachment=True, download_name="verify_case.py")


def _verified_case(instance_id: int) -> tuple[CaseFile, Verification]:
    db = services().db
    with db.snapshot() as session:  # events, head and chain check as of one moment, while the case moves on
        case = read_case(session, instance_id)
        replay = replay_verdict(db, services().runtime, case.record.id)
        return case, verify_case(session, case, replay)


def _record(case: CaseFile, verification: Verification, what: str, body: bytes) -> None:
    with services().db.transaction() as session:
        record_export(session, case, verification, what=what, document_sha256=hashlib.sha256(body).hexdigest(),
                      actor=current_actor().name, at=services().clock.now())


def _rows(case: CaseFile, names: dict[str, str]) -> list[dict[str, Any]]:
    """Who did what, when: one row per event (a completed task shows its old → new values)."""
    rows = []
    for event in case.events:
        changes = event.data.get("changes") if event.type == "task.completed" else None
        rows.append({
            "seq": event.seq, "at": local_time(event.at), "actor": event.actor, "type": event.type,
            "label": event_label(event.type), "element_id": event.element_id or "",
            "element_name": names.get(event.element_id or "", ""),
            "changes": [(name, field_value(name, pair[0]), field_value(name, pair[1]))
                        for name, pair in sorted(changes.items())
                        if isinstance(pair, list) and len(pair) == 2] if isinstance(changes, dict) else None,
            "details": "" if isinstance(changes, dict) else event_details(event.type, event.data, event.actor,
                                                                                 event.at),
            "raw": event.data})
    return rows


TOKEN_STATES = {"ready": N_("ready to run"), "waiting": N_("waiting"), "failed": N_("failed")}  # case_timeline's


def _page_timeline(case: CaseFile, frames: Timeline, names: dict[str, str]) -> dict[str, Any]:
    """What the slider indexes: per event its label and frame, the data snapshots, element names."""
    return {**frames.as_json(), "snapshots": [with_messages_read(snapshot) for snapshot in frames.snapshots],
            "states": {state: _(label) for state, label in TOKEN_STATES.items()},
            "names": {element: _(name) for element, name in names.items()}, "events": [
        {"seq": e.seq, "at": local_time(e.at), "label": event_label(e.type), "type": e.type,
         "element_id": e.element_id, "actor": actor_label(e.actor)} for e in case.events]}
