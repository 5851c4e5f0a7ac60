"""Reconnection (M5): what the reconnect process needs to know about a customer, its order
numbers, and recording the outcome. Plain functions called by service tasks in reconnect.bpmn."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from app.rules.screening import screen
from app.rules.work_orders import Series
from app.runtime.contract import ServiceContext
from app.runtime.events import history
from app.runtime.events.history import NewEvent
from app.runtime.forms import FormContext, FormInvalid
from app.translations import N_, Text
from handlers.form_fields import aware_time, event_time_error
from handlers.work_orders import allocate_number
from storage import customers as customer_rows
from storage import reconnections as order_rows
from storage import restoration_clocks as clock_rows
from storage.domain_models import CONNECTED
from storage.reconnections import OrderRef
from storage.statuses import OrderStatus

log = logging.getLogger("relayflow.reconnection")
STREAM = "reconnections"


def prepare(ctx: ServiceContext, customer_number: str) -> dict[str, Any]:
    """The customer as the process sees it, whether it goes the automatic way (its flag, M1.2), and
    the segment's reader (M3), whom the diagram may offer the on-site work to."""
    conn = ctx.session.connection()
    customer = customer_rows.for_reconnection(conn, customer_number)
    if customer is None:
        raise LookupError(f"no customer {customer_number!r} in the archive")
    ctx.set_attribute("customer", customer.number)
    ctx.set_attribute("segment", customer.segment_code)
    order_rows.link_open_order(conn, customer.id, ctx.instance_id)
    screening = screen(customer)
    return {
        "number": customer.number, "name": customer.name, "address": customer.address,
        "segment": customer.segment_code, "reader": customer.reader_username, "meter_address": customer.meter_address,
        "auto": customer.auto_reconnect, "screening_ok": screening.eligible, "screening_reasons": screening.reasons_not,
        "owed_cents": customer.owed_cents, "power_status": customer.power_status,
        "customer_class": customer.customer_class,
    }


def assign_order(ctx: ServiceContext, kind: str, series: Mapping[str, Series]) -> dict[str, Any]:
    """Number this instance's reconnection order: ``auto`` (10…) or ``manual`` (14…)."""
    number = allocate_number(ctx, series, kind)
    order_rows.set_order_number(ctx.session.connection(), ctx.instance_id, kind, number)
    ctx.set_attribute("work_order" if kind == "auto" else "manual_order", number)
    if kind == "manual":  # someone must go on site: the worker's log says so (automatic ones show as commands)
        log.info("manual reconnection order %s opened (instance %s): on-site work", number, ctx.instance_id)
    return {"number": number, "kind": kind}


def abandon_orders(session: Session, abandoned: list[OrderRef], outcome: str, now: datetime, *,
                   actor: str, reason: str | None = None) -> int:
    """Mark these open orders (locked by ``storage.reconnections.open_orders_of...``) abandoned with
    ``outcome``, each recorded in the ``reconnections`` history with ``reason``: the customer may
    get a new order at once."""
    if not abandoned:
        return 0
    order_rows.abandon(session, [row.id for row in abandoned], now, outcome)
    history.append(session, STREAM, [NewEvent("reconnection.abandoned", None, {
        "customer": row.customer_number, "reconnection_id": row.id, "instance_id": row.instance_id,
        "old": OrderStatus.OPEN, "new": OrderStatus.ABANDONED, "reason": reason or outcome})
        for row in abandoned], actor=actor, at=now)
    return len(abandoned)


def release_orders(session: Session, instance_id: int, reason: str, actor: str, now: datetime) -> None:
    """An instance was terminated: its open order is abandoned in the same transaction, so a payment
    or the patrol can open the customer's next one at once."""
    abandon_orders(session, order_rows.open_orders_of(session, [instance_id]), "instance terminated", now,
                   actor=actor, reason=reason)


def validate_on_site(form: FormContext, data: dict[str, Any]) -> dict[str, Any]:
    """The on-site reconnection: when power was restored (since the order opened, not in the future), and a note."""
    at = aware_time(data.get("reconnected_at"))
    if at is None:
        raise FormInvalid({"reconnected_at": Text(N_("when power was restored on site is required"))})
    if wrong := event_time_error(form, at, Text(N_("reconnection"))):
        raise FormInvalid({"reconnected_at": wrong})
    return {"reconnected_at": at.isoformat(), "note": str(data.get("note") or "").strip(),
            "reconnected_by": form.actor.name}


def record_reconnected(ctx: ServiceContext, customer_number: str, at: str, how: str, note: str = "") -> dict[str, Any]:
    """M5.4: the reconnection flag and time are recorded; the customer is connected again."""
    customer = customer_rows.existing(ctx.session, customer_number)
    when = datetime.fromisoformat(at)
    if when.tzinfo is None:
        raise ValueError(f"reconnection time {at!r} has no time zone")
    old = customer.power_status
    customer.power_status, customer.power_status_since, customer.last_reconnected_at = CONNECTED, when, when
    order_rows.close_open_order(ctx.session, ctx.instance_id, ctx.now, f"reconnected_{how}", on_site_at=when)
    clock_rows.record_outcome(ctx.session.connection(), ctx.instance_id)
    return {"customer": customer.number, "power_status": [old, CONNECTED], "reconnected_at": when.isoformat(),
            "how": how, "note": note}
