"""Helpers for the customer-archive page tests: a small archive over two segments, the archive
history, and a snapshot of everything these pages can change (to prove a refusal changed nothing)."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import func, select

from storage.domain_models import Customer, Segment, SmsSubscription
from storage.models import HistoryEvent
from tests.utility import seed_customer, seed_segment
from tests.web.conftest import Site

ROW = re.compile(rb'<tr data-customer="(\d+)"')

# number → (what makes it special); S01 is seeded by the site fixture, S02 here.
ARCHIVE: dict[str, dict[str, Any]] = {
    "3400000001": {},                                                   # eligible, flagged, disconnected, paid up
    "3400000002": {"auto_reconnect": False, "owed_cents": 12_345, "power_status": "connected",
                   "overdue_since": None, "subscribed": ("arrears",)},   # eligible, unflagged, owes 123.45
    "3400000003": {"channel_online": False, "subscribed": ()},          # flagged but the meter is offline
    "3400000004": {"segment_code": "S02", "voltage_class": "high", "ami_connected": False,
                   "auto_reconnect": False, "owed_cents": 50_000, "name": "淮南机械厂"},  # fails two criteria
    "3400000005": {"segment_code": "S02", "can_direct_close": False, "auto_reconnect": False,
                   "subscribed": ("disconnection",)},                   # needs a button press on site
}


def seed_archive(site: Site) -> None:
    seed_segment(site.services, "S02", reader="reader-li", mobile=None)
    for number, fields in ARCHIVE.items():
        seed_customer(site.services, number, **fields)


def rows(html: bytes) -> list[str]:
    """The customer numbers of a page's table rows, in order."""
    return [number.decode() for number in ROW.findall(html)]


def archive_events(site: Site) -> list[tuple[str, str, dict[str, Any]]]:
    with site.services.db.reading() as session:
        found = session.execute(select(HistoryEvent).where(HistoryEvent.stream == "archive")
                                .order_by(HistoryEvent.seq)).scalars()
        return [(event.type, event.actor, event.data) for event in found]


def flags(site: Site) -> dict[str, bool]:
    with site.services.db.reading() as session:
        return {number: flag for number, flag in session.execute(select(Customer.number, Customer.auto_reconnect))}


def subscriptions(site: Site, number: str) -> set[str]:
    with site.services.db.reading() as session:
        return set(session.execute(select(SmsSubscription.notice_type).join(Customer)
                                   .where(Customer.number == number)).scalars())


def snapshot(site: Site) -> tuple[Any, ...]:
    """Everything the customer-archive pages can change, plus the archive history's length."""
    with site.services.db.reading() as session:
        customers = session.execute(select(Customer.number, Customer.auto_reconnect, Customer.auto_reconnect_by,
                                           Customer.mobile).order_by(Customer.number)).all()
        subscribed = session.execute(select(SmsSubscription.customer_id, SmsSubscription.notice_type)
                                     .order_by(SmsSubscription.customer_id, SmsSubscription.notice_type)).all()
        segments = session.execute(select(Segment.code, Segment.reader_username, Segment.reader_mobile)
                                   .order_by(Segment.code)).all()
        events = session.execute(select(func.count()).select_from(HistoryEvent)
                                 .where(HistoryEvent.stream == "archive")).scalar_one()
    return tuple(map(tuple, customers)), tuple(map(tuple, subscribed)), tuple(map(tuple, segments)), events
