"""Payments from billing: recorded once per payment id, applied to what the customer owes; a
payment that clears the debt cancels disconnect commands not yet sent and, for a disconnected
customer, starts reconnection at once, in the payment's own transaction (the patrol is the safety
net). A payment id names one payment: a resend that differs from the first is a conflict."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from app.runtime.api import Runtime
from app.runtime.errors import Conflict, NotFound, RuntimeActionError
from app.runtime.steps.unit import Unit
from app.usecases.batches import Taken, take_one
from app.usecases.inbound_history import as_sent, record
from app.usecases.inbound_models import PaymentIn
from app.usecases.reconnections import reconnect_within
from app.usecases.trip_checks import tell_cancelled
from handlers.headend import cancel_unsent_trips
from storage import customers, payments
from storage.domain_models import Customer
from storage.payments import StoredPayment

STREAM = "payments"
ACTOR = "system:billing"


def parse_payment(payload: Any, now: datetime) -> PaymentIn:
    """Validate a billing payload: ``payment_id``, ``customer_number`` (printable strings),
    ``amount`` (yuan: a JSON number or a plain decimal string, at most 2 decimals, > 0, at most
    ``inbound_models.MAX_PAYMENT``), ``paid_at`` (ISO 8601 with a time zone, not in the future, not long past);
    nothing else. Read by the model the OpenAPI document shows (``PaymentIn``)."""
    return PaymentIn.read(payload, now)


def record_payment(runtime: Runtime, payload: Any) -> dict[str, Any]:
    """Record one payment (``payment_within`` in a transaction of its own)."""
    return take_one(runtime, payment_within, payload)


def payment_within(runtime: Runtime, unit: Unit, item: Any) -> Taken:
    """Record a payment once, in the caller's transaction; the outcome says what happened
    (duplicate, owed after, reconnection started).

    Each payment is in the ``payments`` history: received (what the customer owed, old → new, and
    the trips it cancelled), a duplicate, a conflicting resend, or refused with the reason (issue 5).
    """
    try:
        payment = parse_payment(item, runtime.clock.now())
    except RuntimeActionError as exc:
        record(unit.session, runtime, STREAM, "payment.rejected", {"payload": as_sent(item), "error": str(exc)},
               ACTOR)
        return Taken(exc)
    outcome = _apply(unit, runtime, payment, item)
    if isinstance(outcome, RuntimeActionError) or not outcome.get("cancelled_commands"):
        return Taken(outcome)
    return Taken(outcome, lambda _outcome: runtime.recover())  # deliver the stored cancellations now


def _apply(unit: Unit, runtime: Runtime, payment: PaymentIn, payload: Any) -> dict[str, Any] | RuntimeActionError:
    """The payment's writes, its reconnection and their history events, in the caller's transaction."""
    session = unit.session
    first = payments.find(session, payment.payment_id)
    if first is None:
        customer = customers.by_number(session, payment.customer_number, lock=True)
        if customer is None:
            refusal = NotFound(f"customer_number: no customer {payment.customer_number!r}")
            record(session, runtime, STREAM, "payment.rejected",
                   {"payload": as_sent(payload), "customer": payment.customer_number, "error": str(refusal)}, ACTOR)
            return refusal
        if _inserted(session, runtime, payment, customer):
            return _take(unit, runtime, payment, customer)
        first = payments.find(session, payment.payment_id)  # the same id, sent at the same moment, won
        assert first is not None
    return _repeated(session, runtime, payment, first)


def _inserted(session: Session, runtime: Runtime, payment: PaymentIn, customer: Customer) -> bool:
    return payments.insert_once(
        session, payment_id=payment.payment_id, customer_id=customer.id, amount_cents=payment.amount_cents,
        paid_at=payment.paid_at, received_at=runtime.clock.now(),
        owed_after_cents=customer.owed_cents - payment.amount_cents, overdue_before=customer.overdue_since)


def _take(unit: Unit, runtime: Runtime, payment: PaymentIn, customer: Customer) -> dict[str, Any]:
    """A new payment: what the customer owes, unsent trips cancelled, reconnection started."""
    session, now = unit.session, runtime.clock.now()
    old_owed, old_overdue = customer.owed_cents, customer.overdue_since
    customer.owed_cents = owed_after = old_owed - payment.amount_cents
    cancelled: list[str] = []
    if owed_after <= 0:
        customer.overdue_since = None
        cancelled = cancel_unsent_trips(session, customer.meter_address)
    for command_id in cancelled:  # stored with the payment: the waiting flow hears why, even after a crash
        tell_cancelled(session, command_id, "customer paid: the trip was cancelled before it was sent",
                       "system:billing", now)
    # in this transaction: a crash after its commit cannot leave the customer to the patrol (issue 10 item 6)
    reconnection = reconnect_within(runtime, unit, customer_id=customer.id, customer_number=customer.number,
                                                  trigger="payment") if owed_after <= 0 \
        else None
    facts: dict[str, Any] = {"customer": customer.number, "payment_id": payment.payment_id,
                             "amount_cents": payment.amount_cents, "paid_at": payment.paid_at}
    if old_overdue != customer.overdue_since:
        facts["overdue_since"] = [old_overdue, customer.overdue_since]
    record(session, runtime, STREAM, "payment.received",
           {**facts, "old": old_owed, "new": owed_after, "cancelled_commands": cancelled}, ACTOR)
    return {"payment_id": payment.payment_id, "duplicate": False, "owed_cents": owed_after,
            "cancelled_commands": cancelled, "reconnection_instance": reconnection}


def _repeated(session: Session, runtime: Runtime, payment: PaymentIn,
              first: StoredPayment) -> dict[str, Any] | Conflict:
    """A payment id seen before: the same payment is a duplicate (200); another one under the same
    id is a conflict (409) naming what differs, with both values in the history (issue 10 item 4)."""
    was = {"customer_number": first.customer_number, "amount": first.amount_cents, "paid_at": first.paid_at}
    now = {"customer_number": payment.customer_number, "amount": payment.amount_cents, "paid_at": payment.paid_at}
    differ = [name for name in was if was[name] != now[name]]
    facts = {"customer": first.customer_number, "payment_id": payment.payment_id}
    if not differ:
        record(session, runtime, STREAM, "payment.duplicate",
               {**facts, "amount_cents": payment.amount_cents, "paid_at": payment.paid_at}, ACTOR)
        return {"payment_id": payment.payment_id, "duplicate": True}
    record(session, runtime, STREAM, "payment.conflict", {
        **facts, "differs": differ, "first": {name: was[name] for name in differ},
        "sent": {name: now[name] for name in differ}}, ACTOR)
    return Conflict(f"payment_id {payment.payment_id!r} was received before as another payment: "
                    + "; ".join(f"{name} {_shown(was[name])} first, {_shown(now[name])} now" for name in differ)
                    + ". A payment id names one payment: send a correction under a new id")


def _shown(value: Any) -> str:
    if isinstance(value, int):
        return f"{Decimal(value).scaleb(-2):.2f}"  # cents, as the yuan billing sent
    if isinstance(value, datetime):
        return value.isoformat()
    return repr(value)
