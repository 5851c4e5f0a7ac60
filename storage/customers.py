"""Customers of the archive: finding, counting and adding them (repository functions that take a
Session). Searching is ``storage.customer_search``, the screening screen's counts
``storage.customer_screening``, everything recorded about one customer ``storage.customer_records``."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from storage.domain_models import Customer, SmsSubscription

LOOKUP_CHUNK = 500  # values per IN (...) when checking many at once


def by_number(session: Session, number: str, *, lock: bool = False) -> Customer | None:
    """The customer with archive number ``number`` (row-locked for the transaction when ``lock``), or None."""
    query = select(Customer).where(Customer.number == number)
    return session.execute(query.with_for_update() if lock else query).scalar_one_or_none()


def by_numbers(session: Session, numbers: Collection[str]) -> dict[str, Customer]:
    """The customers among ``numbers`` that exist, by number."""
    return {c.number: c for c in session.execute(select(Customer).where(Customer.number.in_(numbers))).scalars()}


def count(session: Session) -> int:
    return session.execute(select(func.count(Customer.id))).scalar_one()


def count_per_segment(session: Session) -> dict[str, int]:
    query = select(Customer.segment_code, func.count()).group_by(Customer.segment_code)
    return {code: n for code, n in session.execute(query)}


def in_order(session: Session, *, segment: str | None = None) -> Sequence[Customer]:
    """Every customer (of ``segment`` when given), by number."""
    query = select(Customer).order_by(Customer.number)
    if segment is not None:
        query = query.where(Customer.segment_code == segment)
    return session.execute(query).scalars().all()


def taken(session: Session, column: str, values: Sequence[str]) -> list[str]:
    """Which of ``values`` some customer holds already in ``column`` (``number``, ``meter_address``),
    looked up ``LOOKUP_CHUNK`` at a time."""
    attribute = getattr(Customer, column)
    found: list[str] = []
    for start in range(0, len(values), LOOKUP_CHUNK):
        chunk = values[start:start + LOOKUP_CHUNK]
        found.extend(session.execute(select(attribute).where(attribute.in_(chunk))).scalars())
    return found


def add_with_subscriptions(session: Session, customers: Iterable[tuple[Customer, Sequence[str]]],
                           subscribed_at: datetime) -> None:
    """Insert new customers, then the SMS notices each subscribes to."""
    pairs = list(customers)
    session.add_all(customer for customer, _notices in pairs)
    session.flush()
    session.add_all(SmsSubscription(customer_id=customer.id, notice_type=notice, subscribed_at=subscribed_at)
                    for customer, notices in pairs for notice in notices)
    session.flush()
