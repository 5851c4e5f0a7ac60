"""Reversed payments from billing (issue 16 item 5): a payment we took comes back (a bounced
transfer). The debt returns — what the customer owes goes up by the payment, and the date they
were overdue since comes back if the payment had cleared it — and that is all: nothing is cut or
cancelled because of it. The customer is simply in the normal disconnection path again (an
applicant may apply for them, with the notices that path requires); a reconnection the payment
started is not taken back — supply restored on a payment stays restored until that path cuts it,
so a reversal never turns into a cut without notice.

A payment is reversed once: the same reversal again is a duplicate (200, nothing changes); a
reversal naming another customer than the payment's is a conflict (409); a payment we never
received is refused (404). Each is in the ``payments`` history, beside the payment itself.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from app.runtime.api import Runtime
from app.runtime.errors import Conflict, NotFound, RuntimeActionError
from app.runtime.steps.unit import Unit
from app.usecases.batches import Taken, take_one
from app.usecases.inbound_history import as_sent, record
from app.usecases.inbound_models import ReversalIn
from app.usecases.payments import ACTOR, STREAM
from storage import payments
from storage.domain_models import Customer, Payment

REJECTED = "payment.reversal_rejected"


def record_reversal(runtime: Runtime, payload: Any) -> dict[str, Any]:
    """Take one reversal (``reversal_within`` in a transaction of its own)."""
    return take_one(runtime, reversal_within, payload)


def reversal_within(runtime: Runtime, unit: Unit, item: Any) -> Taken:
    """Take a reversal in the caller's transaction: the debt back, or why not (recorded either way)."""
    session = unit.session
    try:
        reversal = ReversalIn.read(item, runtime.clock.now())
    except RuntimeActionError as exc:
        return _refused(session, runtime, item, exc)
    payment = payments.locked(session, reversal.payment_id)
    if payment is None:
        return _refused(session, runtime, item, NotFound(
            f"payment_id: no payment {reversal.payment_id!r} was received, so there is nothing to reverse"))
    customer = session.get(Customer, payment.customer_id, with_for_update=True)
    assert customer is not None  # a payment's customer (foreign key)
    if customer.number != reversal.customer_number:
        return _refused(session, runtime, item, Conflict(
            f"customer_number: payment {payment.payment_id!r} was received for customer {customer.number!r}, not "
            f"{reversal.customer_number!r}"))
    facts = {"customer": customer.number, "payment_id": payment.payment_id, "amount_cents": payment.amount_cents}
    if payment.reversed_at is not None:
        record(session, runtime, STREAM, "payment.reversal_duplicate",
               {**facts, "reversed_at": payment.reversed_at, "sent": as_sent(item)}, ACTOR)
        return Taken({"payment_id": payment.payment_id, "duplicate": True})
    return Taken(_reverse(session, runtime, payment, customer, reversal.reversed_at, reversal.reason, facts))


def _reverse(session: Session, runtime: Runtime, payment: Payment, customer: Customer, reversed_at: datetime,
             reason: str, facts: dict[str, Any]) -> dict[str, Any]:
    old_owed, old_overdue = customer.owed_cents, customer.overdue_since
    customer.owed_cents = old_owed + payment.amount_cents
    if customer.owed_cents > 0 and customer.overdue_since is None:
        customer.overdue_since = payment.overdue_before  # as before the payment (None: it was not overdue)
    payment.reversed_at, payment.reversal_reason = reversed_at, reason
    if old_overdue != customer.overdue_since:
        facts["overdue_since"] = [old_overdue, customer.overdue_since]
    record(session, runtime, STREAM, "payment.reversed", {
        **facts, "reversed_at": reversed_at, "reason": reason, "old": old_owed, "new": customer.owed_cents,
        "power_status": customer.power_status}, ACTOR)
    return {"payment_id": payment.payment_id, "duplicate": False, "owed_cents": customer.owed_cents,
            "overdue_since": customer.overdue_since.isoformat() if customer.overdue_since else None}


def _refused(session: Session, runtime: Runtime, item: Any, refusal: RuntimeActionError) -> Taken:
    record(session, runtime, STREAM, REJECTED, {"payload": as_sent(item), "error": str(refusal)}, ACTOR)
    return Taken(refusal)
