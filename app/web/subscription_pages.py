"""SMS subscriptions (M2.1): the subscription rate per segment, the customers with what they
subscribed to, and subscribing / unsubscribing one customer to one notice type (front desk:
applicants, executors, system administrators — ``app.archive.maintenance.FRONT_DESK_ROLES``)."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from app.archive import maintenance as archive
from app.archive.customer_overview import customer_row
from app.archive.lookups import segments_overview
from app.archive.subscription_view import rates_with_total
from app.runtime.forms import FormInvalid
from app.web.api_models.customers import CustomerSearchArgs
from app.web.api_models.subscriptions import SubscriptionChange, SubscriptionOutcome, SubscriptionRates
from app.web.api_operation import Reply, operation, read_query
from app.web.auth import current_actor, has_any_role, requires, safe_next
from app.web.current import services
from app.web.customer_pages import search
from app.web.customers import api_json, bp
from app.web.value_labels import value_label


@bp.get("/subscriptions")
@requires()
def subscriptions_page() -> ResponseReturnValue:
    args = read_query(CustomerSearchArgs)
    with services().db.reading() as session:
        rates = rates_with_total(session)
        found = search(session, args)
        segments = segments_overview(session)
    rows = [customer_row(c, found.subscriptions[c.id]) for c in found.customers]
    return render_template("customers/subscriptions.html", rates=rates, found=found, rows=rows, segments=segments,
                           can_change=has_any_role(*archive.FRONT_DESK_ROLES))


@bp.get("/api/subscriptions/rates")
@requires()
@operation("SMS subscription rate per segment and in all (M2.1; any signed-in operator)",
           replies={200: Reply("rates as fractions 0..1", SubscriptionRates)})
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
@operation("Subscribe a customer to one kind of service SMS, or unsubscribe (M2.1; applicant, executor or "
           "sysadmin)", body=SubscriptionChange, replies={200: Reply("old and new", SubscriptionOutcome)},
           refuses=(404, 422))
def api_set_subscription(number: str, body: SubscriptionChange) -> ResponseReturnValue:
    return api_json(_set(number, body.notice_type, body.subscribed))
