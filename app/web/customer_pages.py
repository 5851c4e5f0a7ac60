"""Customer search and the customer page (any signed-in operator), and the changes made from it:
one customer's auto-reconnect flag (M1.2, forced with a reason against the screening) and
mobile number (M2.1). Pages and JSON endpoints share the same calls and role checks."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from sqlalchemy.orm import Session

from app.archive import maintenance as archive
from app.archive.customer_overview import customer_overview, customer_row
from app.archive.lookups import segments_overview
from app.runtime.errors import RuntimeActionError
from app.runtime.forms import FormInvalid
from app.usecases.protection import PROTECT_ROLES
from app.web.api_models.customers import (
    CustomerDetail,
    CustomerSearchArgs,
    CustomerSearchPage,
    FlagChange,
    FlagOutcome,
    MobileChange,
    MobileOutcome,
)
from app.web.api_operation import Reply, operation, read_query
from app.web.auth import current_actor, has_any_role, requires
from app.web.current import services
from app.web.customers import api_json, bp, mobile_refusal
from storage import protection_classes
from storage.customer_search import CustomerPage, search_customers


def search(session: Session, args: CustomerSearchArgs) -> CustomerPage:
    """The customers the search's arguments ask for, one page of them."""
    return search_customers(session, args.customer_filter(), sort=args.sort, descending=args.dir == "desc",
                            page=args.page, size=args.size)


def _rows(found: CustomerPage) -> list[dict[str, Any]]:
    return [customer_row(c, found.subscriptions[c.id]) for c in found.customers]


@bp.get("/customers")
@requires()
def search_page() -> ResponseReturnValue:
    args = read_query(CustomerSearchArgs)
    with services().db.reading() as session:
        found, segments = search(session, args), segments_overview(session)
    return render_template("customers/search.html", found=found, rows=_rows(found), segments=segments)


@bp.get("/api/customers")
@requires()
@operation("Search customers (any signed-in operator); paged and sorted", query=CustomerSearchArgs,
           replies={200: Reply("one page of customers", CustomerSearchPage)})
def api_search(query: CustomerSearchArgs) -> ResponseReturnValue:
    with services().db.reading() as session:
        found = search(session, query)
    return api_json({"customers": _rows(found), "total": found.total, "page": found.page, "size": found.size})


def detail(number: str, status: int = 200, **form_state: Any) -> ResponseReturnValue:
    """The customer page, with what a refused form left (its values and errors)."""
    with services().db.reading() as session:
        overview, classes = customer_overview(session, number), protection_classes.labels(session)
    return render_template("customers/detail.html", o=overview, c=overview["customer"],
                           can_flag=has_any_role(*archive.FLAG_ROLES),
                           can_change=has_any_role(*archive.FRONT_DESK_ROLES),
                           can_protect=has_any_role(*PROTECT_ROLES), protection_classes=classes,
                           **form_state), status


@bp.get("/customers/<number>")
@requires()
def detail_page(number: str) -> ResponseReturnValue:
    return detail(number)


@bp.get("/api/customers/<number>")
@requires()
@operation("One customer: archive facts, M1.1 screening, subscriptions, open orders, timeline (newest first)",
           replies={200: Reply("the customer", CustomerDetail)}, refuses=(404,))
def apidetail(number: str) -> ResponseReturnValue:
    with services().db.reading() as session:
        overview = customer_overview(session, number)
    overview.pop("cases")
    return api_json(overview)


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
        return detail(number, exc.status_code, flag_error=str(exc), flag_form=request.form)
    flash(_("Auto-reconnect flag saved.") if outcome["changed"] else _("Nothing to change."), "success")
    return redirect(url_for("customers.detail_page", number=number))


@bp.post("/api/customers/<number>/auto-reconnect")
@requires(*archive.FLAG_ROLES)
@operation("Set or clear one customer's auto-reconnect flag (M1.2; applicant or executor). Setting it on a "
           "customer failing M1.1 is refused unless force is true and a reason is given", body=FlagChange,
           replies={200: Reply("the outcome (changed false: it already had that value)", FlagOutcome)},
           refuses=(404, 422))
def api_set_flag(number: str, body: FlagChange) -> ResponseReturnValue:
    return api_json(_set_flag(number, body.value, body.reason, body.force))


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
        return detail(number, exc.status_code, mobile_error=exc.errors["mobile"], mobile_input=mobile)
    flash(_("Mobile number saved.") if outcome["changed"] else _("Nothing to change."), "success")
    return redirect(url_for("customers.detail_page", number=number))


@bp.post("/api/customers/<number>/mobile")
@requires(*archive.FRONT_DESK_ROLES)
@operation("Set the mobile number service SMS go to (M2.1; applicant, executor or sysadmin); empty or null clears "
           "it (leaving the field out is a 422); a number that is not a mainland mobile is a 422",
           body=MobileChange, replies={200: Reply("old and new (11 digits)", MobileOutcome)}, refuses=(404, 422))
def api_set_mobile(number: str, body: MobileChange) -> ResponseReturnValue:
    """``{"mobile": "139..."}`` sets it, ``{"mobile": null}`` (or "") clears it; without the field, a 422."""
    return api_json(_set_mobile(number, body.mobile))
