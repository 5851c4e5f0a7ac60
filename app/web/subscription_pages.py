"""SMS subscriptions (M2.1): the subscription rate per segment, the customers with what they
subscribed to, and subscribing / unsubscribing one customer to one notice type (front desk:
applicants, executors, system administrators — ``app.archive.FRONT_DESK_ROLES``)."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from app import archive
from app.archive_reports import segments_overview
from app.customer_overview import customer_row
from app.runtime.forms import FormInvalid
from app.subscription_view import rates_with_total
from app.web.auth import current_actor, has_any_role, requires, safe_next
from app.web.current import services
from app.web.customers import (
    api_json,
    body_bool,
    body_text,
    bp,
    customer_filter_args,
    json_fields,
    paging_args,
    sort_args,
)
from app.web.value_labels import value_label
from storage.customer_search import search_customers


@bp.get("/subscriptions")
@requires()
def subscriptions_page() -> ResponseReturnValue:
    wanted, (sort, descending), (page, size) = customer_filter_args(), sort_args(), paging_args()
    with services().db.reading() as session:
        rates = rates_with_total(session)
        found = search_customers(session, wanted, sort=sort, descending=descending, page=page, size=size)
        segments = segments_overview(session)
    rows = [customer_row(c, found.subscriptions[c.id]) for c in found.customers]
    return render_template("customers/subscriptions.html", rates=rates, found=found, rows=rows, segments=segments,
                           can_change=has_any_role(*archive.FRONT_DESK_ROLES))


@bp.get("/api/subscriptions/rates")
@requires()
def api_rates() -> ResponseReturnValue:
    with services().db.reading() as session:
        return api_json(rates_with_total(session))


def _set(number: str, notice_type: str, subscribed: bool) -> dict[str, Any]:
    svc = services()
    with svc.db.transaction() as session:
        return archive.set_subscription(session, svc.clock, current_actor(), number, notice_type, subscribed)


@bp.post("/customers/<number>/subscriptions")
@requires(*archive.FRONT_DESK_ROLES)
def subscription_form(number: str) -> ResponseReturnValue:
    choice = request.form.get("subscribed")
    if choice not in ("yes", "no"):
        raise FormInvalid({"subscribed": _("choose yes or no")})
    notice_type = request.form.get("notice_type", "")
    outcome = _set(number, notice_type, choice == "yes")
    if outcome["changed"]:
        message = (_("{number}: subscribed to {notice}.") if outcome["new"]
                   else _("{number}: unsubscribed from {notice}."))
        flash(message.format(number=number, notice=value_label("notice", notice_type)), "success")
    back = safe_next(request.form.get("next", ""))
    return redirect(back or url_for("customers.detail_page", number=number))


@bp.post("/api/customers/<number>/subscriptions")
@requires(*archive.FRONT_DESK_ROLES)
def api_set_subscription(number: str) -> ResponseReturnValue:
    body = json_fields("notice_type", "subscribed")
    subscribed = body_bool(body, "subscribed")
    return api_json(_set(number, body_text(body, "notice_type", max_length=32, nonempty=True), subscribed))
