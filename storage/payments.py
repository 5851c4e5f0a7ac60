"""Payment rows: stored once per payment id, and a payment as first received, to compare a resend
with (issue 10 item 4)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import Table, select
from sqlalchemy.orm import Session

from storage.db import insert_or_ignore
from storage.domain_models import Customer, Payment

_payments: Table = Payment.__table__  # type: ignore[assignment]


@dataclass(frozen=True)
class StoredPayment:
    payment_id: str
    customer_number: str
    amount_cents: int
    paid_at: datetime


def find(session: Session, payment_id: str) -> StoredPayment | None:
    row = session.execute(
        select(Payment.payment_id, Customer.number, Payment.amount_cents, Payment.paid_at)
        .join(Customer, Customer.id == Payment.customer_id).where(Payment.payment_id == payment_id)).first()
    return StoredPayment(*row) if row is not None else None


def insert_once(session: Session, *, payment_id: str, customer_id: int, amount_cents: int, paid_at: datetime,
                received_at: datetime, owed_after_cents: int, overdue_before: date | None) -> bool:
    """Store a payment unless its id is stored already (a resend, or the same payment sent at the
    same moment by another request): True when this call stored it. ``overdue_before``: the
    customer's ``overdue_since`` before it, which a reversal gives back."""
    inserted = session.execute(insert_or_ignore(session, _payments, ["payment_id"]).values(
        payment_id=payment_id, customer_id=customer_id, amount_cents=amount_cents, paid_at=paid_at,
        received_at=received_at, owed_after_cents=owed_after_cents, overdue_before=overdue_before,
    ).returning(_payments.c.id)).scalar_one_or_none()
    return inserted is not None


def received_after(session: Session, customer_id: int, moment: datetime) -> bool:
    """Whether a payment of the customer was received after ``moment``."""
    return session.execute(select(_payments.c.id).where(
        _payments.c.customer_id == customer_id, _payments.c.received_at > moment).limit(1)).first() is not None


def locked(session: Session, payment_id: str) -> Payment | None:
    """The payment row itself, locked for the transaction (a reversal changes it), or None."""
    query = select(Payment).where(Payment.payment_id == payment_id).with_for_update()
    return session.execute(query).scalar_one_or_none()
