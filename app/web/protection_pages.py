"""Marking a customer protected, or clearing it (issue 16 item 4): the form on the customer page
and ``POST /api/customers/<number>/protection``, sysadmins and approvers. Trips the mark cancels
are delivered to their flows at once, after the commit."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from app.runtime.forms import FormInvalid
from app.usecases.protection import PROTECT_ROLES, set_protection
from app.web.api_models.protection import ProtectionChange, ProtectionOutcome
from app.web.api_operation import Reply, operation
from app.web.auth import current_actor, requires
from app.web.current import services
from app.web.customer_pages import detail
from app.web.customers import api_json, bp


def _protect(number: str, kind: str | None, reason: str, meter_protect: bool) -> dict[str, Any]:
    svc = services()
    with svc.db.transaction() as session:
        outcome = set_protection(session, svc.clock, current_actor(), number, kind, reason,
                                 meter_protect=meter_protect)
    if outcome["cancelled_commands"]:
        svc.runtime.recover()  # the cancelled trips' flows hear it now, not at the worker's next tick
    return outcome


@bp.post("/customers/<number>/protection")
@requires(*PROTECT_ROLES)
def protection_form(number: str) -> ResponseReturnValue:
    kind = request.form.get("kind", "").strip() or None
    try:
        outcome = _protect(number, kind, request.form.get("reason", ""), "meter_protect" in request.form)
    except FormInvalid as exc:
        return detail(number, exc.status_code, protection_errors=exc.errors, protection_form=request.form)
    flash(_("Protection saved.") if outcome["changed"] else _("Nothing to change."), "success")
    if outcome["cancelled_commands"]:
        flash(_("Trips cancelled before they were sent: {commands}").format(
            commands=", ".join(outcome["cancelled_commands"])), "success")
    if outcome["meter_busy_with"]:
        flash(_("The meter is busy with {command}: power-protect was not sent; try again later").format(
            command=outcome["meter_busy_with"]), "warning")
    return redirect(url_for("customers.detail_page", number=number))


@bp.post("/api/customers/<number>/protection")
@requires(*PROTECT_ROLES)
@operation("Mark a customer protected in a class, or clear it (kind null), with a reason (sysadmin or approver; "
           "issue 16 item 4). Marking cancels the customer's trips not yet sent; meter_protect also queues the "
           "meter's power-protect command (DL/T 645 3A on, 3B off)", body=ProtectionChange,
           replies={200: Reply("the outcome", ProtectionOutcome)}, refuses=(404, 422))
def api_set_protection(number: str, body: ProtectionChange) -> ResponseReturnValue:
    return api_json(_protect(number, body.kind, body.reason, body.meter_protect))
