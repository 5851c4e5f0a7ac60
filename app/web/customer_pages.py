"""Customer search and the customer page (any signed-in operator), and the changes made from it:
one customer's auto-reconnect flag (M1.2, forced with a reason against the screening) and
mobile number (M2.1). Pages and JSON endpoints share the same calls and role checks."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from sqlalchemy.orm import Session

from app import archive
from app.archive_reports import segments_overview
from app.customer_overview import customer_overview, customer_row
from app.runtime.errors import RuntimeActionError
from app.runtime.forms import FormInvalid
from app.web.auth import current_actor, has_any_role, requires
from app.web.current import services
from app.web.customers import (
    api_json,
    body_bool,
    body_text,
    bp,
    customer_filter_args,
    json_fields,
    mobile_refusal,
    paging_args,
    sort_args,
)
from storage.customer_search import CustomerPage, search_customers


def _search(session: Session) -> CustomerPage:
    wanted = customer_filter_args()
    sort, descending = sort_args()
    page, size = paging_args()
    return search_customers(session, wanted, sort=sort, descending=descending, page=page, size=size)


def _rows(found: CustomerPage) -> list[dict[str, Any]]:
    return [customer_row(c, found.subscriptions[c.id]) for c in found.customers]


@bp.get("/customers")
@requires()
def search_page() -> ResponseReturnValue:
    with services().db.reading() as session:
        found, segments = _search(session), segments_overview(session)
    return render_template("customers/search.html", found=found, rows=_rows(found), segments=segments)


@bp.get("/api/customers")
@requires()
def api_search() -> ResponseReturnValue:
    with services().db.reading() as session:
        found = _search(session)
    return api_json({"customers": _rows(found), "total": found.total, "page": found.page, "size": found.size})


def _detail(number: str, status: int = 200, **form_state: Any) -> ResponseReturnValue:
    with services().db.reading() as session:
        overview = customer_overview(session, number)
    return render_template("customers/detail.html", o=overview, c=overview["customer"],
                           can_flag=has_any_role(*archive.FLAG_ROLES),
                           can_change=has_any_role(*archive.FRONT_DESK_ROLES), **form_state), status


@bp.get("/customers/<number>")
@requires()
def detail_page(number: str) -> ResponseReturnValue:
    return _detail(number)


@bp.get("/api/customers/<number>")
@requires()
def api_detail(number: str) -> ResponseReturnValue:
    with services().db.reading() as session:
        return api_json(customer_overview(session, number))


# --- one customer's flag (M1.2) ---------------------------------------------------------------

def _set_flag(number: str, value: bool, reason: str, force: bool) -> dict[str, Any]:
    svc = services()
    with svc.db.transaction() as session:
        return archive.set_auto_reconnect(session, svc.clock, current_actor(), number, value, reason=reason,
                                          force=force)


@bp.post("/customers/<number>/auto-reconnect")
@requires(*archive.FLAG_ROLES)
def flag_form(number: str) -> ResponseReturnValue:
    choice, reason, force = request.form.get("value"), request.form.get("reason", "").strip(), "force" in request.form
    try:
        if choice not in ("set", "clear"):
            raise FormInvalid({"value": _("choose set or clear")})
        outcome = _set_flag(number, choice == "set", reason, force)
    except RuntimeActionError as exc:
        if exc.status_code in (403, 404):
            raise
        return _detail(number, exc.status_code, flag_error=str(exc), flag_form=request.form)
    flash(_("Auto-reconnect flag saved.") if outcome["changed"] else _("Nothing to change."), "success")
    return redirect(url_for("customers.detail_page", number=number))


@bp.post("/api/customers/<number>/auto-reconnect")
@requires(*archive.FLAG_ROLES)
def api_set_flag(number: str) -> ResponseReturnValue:
    body = json_fields("value", optional=("force", "reason"))
    value, force = body_bool(body, "value"), body_bool(body, "force", default=False)
    return api_json(_set_flag(number, value, body_text(body, "reason", default=""), force))


# --- one customer's mobile (M2.1) -------------------------------------------------------------

def _set_mobile(number: str, mobile: str) -> dict[str, Any]:
    svc = services()
    try:
        with svc.db.transaction() as session:
            return archive.set_customer_mobile(session, svc.clock, current_actor(), number, mobile or None)
    except RuntimeActionError as exc:
        if exc.status_code != 400:  # 400 from set_customer_mobile is the number's format
            raise
        raise FormInvalid({"mobile": mobile_refusal()}) from None


@bp.post("/customers/<number>/mobile")
@requires(*archive.FRONT_DESK_ROLES)
def mobile_form(number: str) -> ResponseReturnValue:
    mobile = request.form.get("mobile", "").strip()
    try:
        outcome = _set_mobile(number, mobile)
    except FormInvalid as exc:
        return _detail(number, exc.status_code, mobile_error=exc.errors["mobile"], mobile_input=mobile)
    flash(_("Mobile number saved.") if outcome["changed"] else _("Nothing to change."), "success")
    return redirect(url_for("customers.detail_page", number=number))


@bp.post("/api/customers/<number>/mobile")
@requires(*archive.FRONT_DESK_ROLES)
def api_set_mobile(number: str) -> ResponseReturnValue:
    """``{"mobile": "139..."}`` sets it, ``{"mobile": null}`` (or "") clears it; without the field, a 422."""
    return api_json(_set_mobile(number, body_text(json_fields("mobile"), "mobile", max_length=40)))
