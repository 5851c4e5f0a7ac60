"""M1.1 screening results with the reasons, and bulk maintenance of the auto-reconnect flag
(M1.2). Applicants, executors and system administrators see the screening (as the menu says);
only applicants and executors change the flag (M1.2.2, ``app.archive.maintenance.FLAG_ROLES``)."""

from __future__ import annotations

import re
from typing import Any

from flask import flash, redirect, render_template, request
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy.orm import Session

from app.archive import maintenance as archive
from app.archive import screening_view
from app.archive.lookups import REPORT_FILTERS, segments_overview
from app.archive.screening_view import CRITERIA
from app.runtime.errors import RuntimeActionError
from app.runtime.forms import FormInvalid
from app.web.api_models.screening import BulkFlagChange, BulkFlagOutcome, ScreeningArgs, ScreeningPage
from app.web.api_operation import Reply, operation, read_query
from app.web.auth import current_actor, has_any_role, requires
from app.web.current import services
from app.web.customers import api_json, bp
from app.web.query_args import url_with_args

VIEW_ROLES = (*archive.FLAG_ROLES, "sysadmin")
MAX_BULK = 1000
NUMBER = re.compile(r"[0-9A-Za-z_-]{1,32}")
_SEPARATORS = re.compile(r"[\s,;，；、]+")


def _report(session: Session, args: ScreeningArgs) -> dict[str, Any]:
    """The screening page the arguments ask for (filters segment, only, failing; paging)."""
    return screening_view.screening_page(session, segment=args.segment, only=args.only, failing=args.failing,
                                         page=args.page, size=args.size)


def _render(status: int = 200, **form_state: Any) -> ResponseReturnValue:
    args = read_query(ScreeningArgs)
    with services().db.reading() as session:
        report, segments = _report(session, args), segments_overview(session)
    return render_template("customers/screening.html", report=report, segments=segments, criteria=CRITERIA,
                           filters=REPORT_FILTERS, can_flag=has_any_role(*archive.FLAG_ROLES),
                           **form_state), status


@bp.get("/screening")
@requires(*VIEW_ROLES)
def screening_page() -> ResponseReturnValue:
    return _render()


@bp.get("/api/screening")
@requires(*VIEW_ROLES)
@operation("M1.1 screening of the customers with the reasons (applicant, executor or sysadmin); counts over the "
           "segment (or archive), rows filtered and paged", query=ScreeningArgs,
           replies={200: Reply("the report page", ScreeningPage)}, refuses=(404,))
def api_screening(query: ScreeningArgs) -> ResponseReturnValue:
    with services().db.reading() as session:
        return api_json(_report(session, query))


def _numbers(given: list[str]) -> list[str]:
    """The distinct customer numbers, in the order given; a malformed or missing list is a 422."""
    numbers = list(dict.fromkeys(n.strip() for n in given if n.strip()))
    bad = [n for n in numbers if not NUMBER.fullmatch(n)]
    if bad:
        raise FormInvalid({"customers": _("not customer numbers: {numbers}").format(numbers=", ".join(bad[:10]))})
    if not numbers:
        raise FormInvalid({"customers": _("choose at least one customer")})
    if len(numbers) > MAX_BULK:
        raise FormInvalid({"customers": ngettext("at most {n} customer at once", "at most {n} customers at once",
                                                 MAX_BULK).format(n=MAX_BULK)})
    return numbers


def _bulk(numbers: list[str], value: bool, reason: str) -> dict[str, Any]:
    if not reason:
        raise FormInvalid({"reason": _("give the reason for the change")})
    svc = services()
    with svc.db.transaction() as session:
        return archive.set_auto_reconnect_bulk(session, svc.clock, current_actor(), numbers, value, reason)


@bp.post("/screening/auto-reconnect")
@requires(*archive.FLAG_ROLES)
def bulk_flag_form() -> ResponseReturnValue:
    form = request.form
    back = url_with_args("customers.screening_page", request.args)  # the same view; decided before any change
    given = form.getlist("customers") + _SEPARATORS.split(form.get("numbers", ""))
    try:
        if form.get("value") not in ("set", "clear"):
            raise FormInvalid({"value": _("choose set or clear")})
        outcome = _bulk(_numbers(given), form["value"] == "set", form.get("reason", "").strip()[:500])
    except RuntimeActionError as exc:
        if exc.status_code == 403:
            raise
        errors = exc.errors if isinstance(exc, FormInvalid) else {}
        return _render(exc.status_code, bulk_error=str(exc), bulk_errors=errors, bulk_form=form,
                       chosen=set(form.getlist("customers")))
    flash(_("Auto-reconnect flag changed for {changed} customer(s); {unchanged} already had it.").format(
        changed=outcome["changed"], unchanged=outcome["unchanged"]), "success")
    return redirect(back)


@bp.post("/api/customers/auto-reconnect")
@requires(*archive.FLAG_ROLES)
@operation("Set or clear the auto-reconnect flag of many customers, all or nothing (M1.2; applicant or executor). "
           "Any unknown customer (404) or, when setting, any customer failing M1.1 (400) changes nobody",
           body=BulkFlagChange, replies={200: Reply("what changed", BulkFlagOutcome)}, refuses=(404, 422))
def api_bulk_flag(body: BulkFlagChange) -> ResponseReturnValue:
    return api_json(_bulk(_numbers(body.customers), body.value, body.reason))
