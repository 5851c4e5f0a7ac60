"""Payment rows: a payment as first received, to compare a resend with (issue 10 item 4)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.domain_models import Customer, Payment


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
