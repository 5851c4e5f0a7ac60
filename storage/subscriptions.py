"""Customers' SMS subscriptions (M2.1): who subscribed to which notice (repository functions that
take a Session; how many per segment: ``storage.segment_tallies``)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from storage.domain_models import SmsSubscription


def subscribe(session: Session, customer_id: int, notice_type: str, at: datetime) -> None:
    session.add(SmsSubscription(customer_id=customer_id, notice_type=notice_type, subscribed_at=at))
    session.flush()


def unsubscribe(session: Session, subscription: SmsSubscription) -> None:
    session.delete(subscription)
    session.flush()
