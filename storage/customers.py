"""Customers of the archive: finding, counting and adding them (repository functions that take a
Session). Searching is ``storage.customer_search``, the screening screen's counts
``storage.customer_screening``, everything recorded about one customer ``storage.customer_records``."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from datetime import datetime
from typing import NamedTuple

from sqlalchemy import Connection, Row, bindparam, func, insert, select
from sqlalchemy.orm import Session

from storage.domain_models import Customer, Segment, SmsSubscription

LOOKUP_CHUNK = 500  # values per IN (...) when checking many at once
INSERT_CHUNK = 1000  # rows per multi-row INSERT


def by_number(session: Session, number: str, *, lock: bool = False) -> Customer | None:
    """The customer with archive number ``number`` (row-locked for the transaction when ``lock``), or None."""
    query = select(Customer).where(Customer.number == number)
    return session.execute(query.with_for_update() if lock else query).scalar_one_or_none()


def existing(session: Session, number: str, *, lock: bool = False) -> Customer:
    """The customer with archive number ``number`` (row-locked when ``lock``); ``LookupError`` when
    there is none (a service task's step fails with this message, and the incident names it)."""
    customer = by_number(session, number, lock=lock)
    if customer is None:
        raise LookupError(f"no customer {number!r} in the archive")
    return customer


def by_numbers(session: Session, numbers: Collection[str]) -> dict[str, Customer]:
    """The customers among ``numbers`` that exist, by number."""
    return {c.number: c for c in session.execute(select(Customer).where(Customer.number.in_(numbers))).scalars()}


def owed_by_number(session: Session, numbers: Collection[str]) -> dict[str, int]:
    """What each of the customers among ``numbers`` owes (in cents), by number."""
    return {number: owed for number, owed in session.execute(
        select(Customer.number, Customer.owed_cents).where(Customer.number.in_(numbers)))}


def power_status_by_number(session: Session, numbers: Collection[str]) -> dict[str, str]:
    """The power status of each of the customers among ``numbers``, by number."""
    return {number: status for number, status in session.execute(
        select(Customer.number, Customer.power_status).where(Customer.number.in_(numbers)))}


def meters(session: Session) -> list[Row[str, bool, bool, str]]:
    """(meter address, channel online, can close directly, relay type) of every customer's meter."""
    return list(session.execute(select(Customer.meter_address, Customer.channel_online, Customer.can_direct_close,
                                       Customer.relay_type)).all())


class ForReconnection(NamedTuple):
    """What the reconnect process reads of a customer, with the segment's reader."""

    id: int
    number: str
    name: str
    address: str
    segment_code: str
    meter_address: str
    auto_reconnect: bool
    owed_cents: int
    power_status: str
    voltage_class: str
    ami_connected: bool
    channel_online: bool
    can_direct_close: bool
    relay_type: str
    reader_username: str | None
    customer_class: str


_FOR_RECONNECTION = select(
    Customer.id, Customer.number, Customer.name, Customer.address, Customer.segment_code, Customer.meter_address,
    Customer.auto_reconnect, Customer.owed_cents, Customer.power_status, Customer.voltage_class,
    Customer.ami_connected, Customer.channel_online, Customer.can_direct_close, Customer.relay_type,
    Segment.reader_username, Customer.customer_class,
).outerjoin(Segment, Segment.code == Customer.segment_code).where(Customer.number == bindparam("b_number"))


def for_reconnection(conn: Connection, number: str) -> ForReconnection | None:
    """The customer as the reconnect process reads them, or None (a prebuilt statement: the patrol
    starts thousands)."""
    row = conn.execute(_FOR_RECONNECTION, {"b_number": number}).first()
    return ForReconnection._make(row) if row is not None else None


def count(session: Session) -> int:
    return session.execute(select(func.count(Customer.id))).scalar_one()


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
    rows = [{"customer_id": customer.id, "notice_type": notice, "subscribed_at": subscribed_at}
            for customer, notices in pairs for notice in notices]
    # many rows a statement: PostgreSQL's tally triggers then run once per statement, not per row
    for start in range(0, len(rows), INSERT_CHUNK):
        session.execute(insert(SmsSubscription).values(rows[start:start + INSERT_CHUNK]))
