"""The restoration clock (issue 16 item 3), called by reconnect.bpmn: start it on the order with
the hours the policy table gave, escalate an unfinished reconnection, and the supervisor's
acknowledgement form."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from app.rules.beijing import BEIJING
from app.rules.restoration_clock import Clock, clock_start, hours_between
from app.runtime.contract import ServiceContext
from app.runtime.forms import FormContext, FormInvalid
from app.translations import N_, Text
from storage import restoration_clocks as clock_rows
from storage.restoration_clocks import ClockOrder


def _order(ctx: ServiceContext) -> ClockOrder | None:
    return clock_rows.order_of(ctx.session.connection(), ctx.instance_id)


def start(ctx: ServiceContext, sla_hours: float, escalate_hours: float) -> dict[str, Any]:
    """Start the clock on the instance's order: from the clearing payment (or the patrol's
    discovery), due after ``sla_hours``, escalated after ``escalate_hours`` (the policy's, per class).
    An instance started without an order (by hand) runs its clock from now, kept in its data only."""
    order = _order(ctx)
    started = clock_start(order.trigger, order.opened_at, order.paid_at) if order is not None else ctx.now
    clock = Clock.of(started, float(sla_hours), float(escalate_hours))
    clock_rows.start(ctx.session.connection(), ctx.instance_id, clock.started_at, clock.due_at)
    return {"started_at": clock.started_at.isoformat(), "escalate_at": clock.escalate_at.isoformat(),
            "due_at": clock.due_at.isoformat(), "sla_hours": sla_hours, "escalate_hours": escalate_hours}


def escalate(ctx: ServiceContext, started_at: str, due_at: str) -> dict[str, Any]:
    """The reconnection is not done at the escalation point: mark the order escalated and say what
    the supervisor needs — when the clock started (Beijing time) and the hours since, the hours
    left, what was tried."""
    clock_rows.mark_escalated(ctx.session.connection(), ctx.instance_id, ctx.now)
    order, started = _order(ctx), datetime.fromisoformat(started_at)
    return {"at": ctx.now.isoformat(), "started": started.astimezone(BEIJING).strftime("%Y-%m-%d %H:%M"),
            "hours_since_start": hours_between(started, ctx.now),
            "hours_left": hours_between(ctx.now, datetime.fromisoformat(due_at)),
            "remote_sends": order.sends if order is not None else 0,
            "auto_order": order.auto_order_no if order is not None else None,
            "manual_order": order.manual_order_no if order is not None else None}


def validate_acknowledgement(form: FormContext, data: dict[str, Any]) -> dict[str, Any]:
    """The supervisor acknowledges the late reconnection with a note (what they will do)."""
    note = str(data.get("supervisor_note") or "").strip()
    if not note:
        needed = N_("a note is required: say what you will do about this reconnection")
        raise FormInvalid({"supervisor_note": Text(needed)})
    return {"acknowledged_by": form.actor.name, "acknowledged_at": form.now.isoformat(),
            "supervisor_note": note}
