"""Payments from billing: recorded once per payment id, applied to what the customer owes; a
payment that clears the debt cancels disconnect commands not yet sent and, for a disconnected
customer, starts reconnection at once (the patrol is the safety net)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from app.runtime import messages
from app.runtime.api import Runtime
from app.runtime.errors import NotFound, RuntimeActionError
from handlers.callback_history import record, record_refusal
from handlers.headend import RESULT_MESSAGE
from handlers.patrol import reconnect_if_due
from storage.db import insert_or_ignore
from storage.domain_models import Customer, MeterCommand, Payment
from storage.models import OutboxMessage

MAX_PAYMENT = Decimal("100000000")  # yuan; beyond it a payload is a mistake, not a payment
STREAM = "payments"
ACTOR = "system:billing"


@dataclass(frozen=True)
class PaymentIn:
    payment_id: str
    customer_number: str
    amount_cents: int
    paid_at: datetime


def parse_payment(payload: Any) -> PaymentIn:
    """Validate a billing payload: ``payment_id``, ``customer_number``, ``amount`` (yuan, as a
    string or number with at most 2 decimals, > 0), ``paid_at`` (ISO-8601 with a time zone)."""
    if not isinstance(payload, dict):
        raise RuntimeActionError("a payment must be a JSON object")
    problems = [f"{name} is required" for name in ("payment_id", "customer_number", "amount", "paid_at")
                if payload.get(name) in (None, "")]
    if problems:
        raise RuntimeActionError("; ".join(problems))
    try:
        amount = Decimal(str(payload["amount"]))
    except InvalidOperation:
        raise RuntimeActionError(f"amount {payload['amount']!r} is not a number") from None
    if not amount.is_finite() or amount <= 0 or amount != amount.quantize(Decimal("0.01")):
        raise RuntimeActionError(f"amount {payload['amount']!r} must be positive with at most 2 decimals")
    if amount > MAX_PAYMENT:
        raise RuntimeActionError(f"amount {payload['amount']!r} is more than one payment can be ({MAX_PAYMENT} yuan)")
    for name, longest in (("payment_id", 64), ("customer_number", 32)):
        if len(str(payload[name])) > longest:
            raise RuntimeActionError(f"{name} is longer than {longest} characters")
    try:
        paid_at = datetime.fromisoformat(str(payload["paid_at"]))
    except ValueError:
        raise RuntimeActionError(f"paid_at {payload['paid_at']!r} is not an ISO-8601 time") from None
    if paid_at.tzinfo is None:
        raise RuntimeActionError("paid_at needs a time zone (e.g. +08:00)")
    return PaymentIn(str(payload["payment_id"]), str(payload["customer_number"]), int(amount * 100), paid_at)


def record_payment(runtime: Runtime, payload: Any) -> dict[str, Any]:
    """Record a payment once; returns what happened (duplicate, owed after, reconnection started).

    Each payment is in the ``payments`` history: received (what the customer owed, old → new, and
    the trips it cancelled), a duplicate, or refused with the reason (issue 5).
    """
    try:
        payment = parse_payment(payload)
    except RuntimeActionError as exc:
        record_refusal(runtime.db, runtime.clock, STREAM, "payment.rejected", payload, str(exc), ACTOR)
        raise
    with runtime.db.transaction() as session:
        outcome = _apply(session, runtime, payment, payload)
    if isinstance(outcome, NotFound):
        raise outcome  # its refusal is in the history: the transaction above committed it
    if outcome["duplicate"]:
        return outcome
    owed_after, cancelled = outcome["owed_cents"], outcome["cancelled_commands"]
    reconnection = reconnect_if_due(runtime, payment.customer_number, "payment") if owed_after <= 0 else None
    if cancelled:
        runtime.recover()  # deliver the stored cancellations now (the worker's tick would, shortly)
    return {**outcome, "reconnection_instance": reconnection}


def _apply(session: Session, runtime: Runtime, payment: PaymentIn, payload: Any) -> dict[str, Any] | NotFound:
    """The payment's writes and their history event, in the caller's transaction."""
    now = runtime.clock.now()
    customer = session.execute(select(Customer).where(Customer.number == payment.customer_number)
                               .with_for_update()).scalar_one_or_none()
    if customer is None:
        refusal = NotFound(f"no customer {payment.customer_number!r}")
        record(session, runtime.clock, STREAM, "payment.rejected",
               {"payload": payload, "customer": payment.customer_number, "error": str(refusal)}, ACTOR)
        return refusal
    owed_after = customer.owed_cents - payment.amount_cents
    inserted = session.execute(insert_or_ignore(session, Payment.__table__, ["payment_id"]).values(
        payment_id=payment.payment_id, customer_id=customer.id, amount_cents=payment.amount_cents,
        paid_at=payment.paid_at, received_at=now, owed_after_cents=owed_after,
    ).returning(Payment.__table__.c.id)).scalar_one_or_none()
    facts: dict[str, Any] = {"customer": customer.number, "payment_id": payment.payment_id,
                             "amount_cents": payment.amount_cents, "paid_at": payment.paid_at}
    if inserted is None:
        record(session, runtime.clock, STREAM, "payment.duplicate", facts, ACTOR)
        return {"payment_id": payment.payment_id, "duplicate": True}
    old_owed, old_overdue = customer.owed_cents, customer.overdue_since
    customer.owed_cents = owed_after
    cancelled: list[str] = []
    if owed_after <= 0:
        customer.overdue_since = None
        cancelled = _cancel_unsent_trips(session, customer.meter_address)
    if old_overdue != customer.overdue_since:
        facts["overdue_since"] = [old_overdue, customer.overdue_since]
    record(session, runtime.clock, STREAM, "payment.received",
           {**facts, "old": old_owed, "new": owed_after, "cancelled_commands": cancelled}, ACTOR)
    for command_id in cancelled:  # stored with the payment: the waiting flow hears why, even after a crash
        messages.store(session, name=RESULT_MESSAGE, correlation=command_id, payload={
            "command_id": command_id, "stage": "cancelled", "relay": None, "at": now.isoformat(),
            "error": "customer paid: the trip was cancelled before it was sent",
        }, sender="system:billing", message_key=f"cancelled:{command_id}", now=now)
    return {"payment_id": payment.payment_id, "duplicate": False, "owed_cents": owed_after,
            "cancelled_commands": cancelled}


def _cancel_unsent_trips(session: Any, meter_address: str) -> list[str]:
    """Cancel trips still in the outbox (not handed to the head-end yet); a sent one runs its course."""
    queued = session.execute(select(MeterCommand).where(
        MeterCommand.meter_address == meter_address, MeterCommand.action == "trip",
        MeterCommand.status == "queued")).scalars().all()
    cancelled = []
    for command in queued:
        taken_back = session.execute(update(OutboxMessage).where(
            OutboxMessage.status == "pending", OutboxMessage.attempts == 0,
            OutboxMessage.payload["command_id"].as_string() == command.command_id,
        ).values(status="cancelled")).rowcount
        if taken_back:
            command.status = "cancelled"
            cancelled.append(command.command_id)
    return cancelled
