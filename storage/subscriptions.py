"""Customers' SMS subscriptions (M2.1): who subscribed to which notice, and how many per segment
(repository functions that take a Session)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from storage.domain_models import Customer, SmsSubscription


def subscribe(session: Session, customer_id: int, notice_type: str, at: datetime) -> None:
    session.add(SmsSubscription(customer_id=customer_id, notice_type=notice_type, subscribed_at=at))
    session.flush()


def unsubscribe(session: Session, subscription: SmsSubscription) -> None:
    session.delete(subscription)
    session.flush()


def count_per_segment_and_type(session: Session) -> dict[tuple[str, str], int]:
    """How many customers of each segment subscribed to each notice type: (segment, type) → count."""
    return {(code, kind): n for code, kind, n in session.execute(
        select(Customer.segment_code, SmsSubscription.notice_type, func.count())
        .join(Customer, Customer.id == SmsSubscription.customer_id)
        .group_by(Customer.segment_code, SmsSubscription.notice_type))}


def subscribers_per_segment(session: Session) -> dict[str, int]:
    """How many customers of each segment subscribed to at least one notice."""
    return {code: n for code, n in session.execute(
        select(Customer.segment_code, func.count(func.distinct(SmsSubscription.customer_id)))
        .join(Customer, Customer.id == SmsSubscription.customer_id)
        .group_by(Customer.segment_code))}
