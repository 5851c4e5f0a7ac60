"""Read-only views of the customer archive for the operators' screens: M1.1 screening of one or
many customers, SMS subscription rates per segment (M2.1), and the segments with their readers
(M3.1). Nothing here writes; the changes live in ``app.archive.maintenance``."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy.orm import Session

from app.rules.screening import screen
from app.runtime.errors import NotFound, RuntimeActionError
from app.translations import N_, Text
from storage import customers as customer_rows
from storage import segment_tallies
from storage import segments as segment_rows
from storage.domain_models import NOTICE_TYPES, Customer, Segment

REPORT_FILTERS = ("eligible", "ineligible", "flagged_but_ineligible")
UNKNOWN_FILTER = N_("unknown filter {only}; use one of {choices}")


def find_customer(session: Session, number: str, *, lock: bool = False) -> Customer:
    """The customer with archive number ``number`` (row-locked when ``lock``); ``NotFound`` otherwise."""
    customer = customer_rows.by_number(session, number, lock=lock)
    if customer is None:
        raise NotFound(Text(N_("no customer {number}"), number=number))
    return customer


def find_segment(session: Session, code: str, *, lock: bool = False) -> Segment:
    """The meter-reading segment ``code`` (row-locked when ``lock``); ``NotFound`` otherwise."""
    segment = segment_rows.find(session, code, lock=lock)
    if segment is None:
        raise NotFound(Text(N_("no meter-reading segment {code}"), code=code))
    return segment


def screening_row(customer: Customer) -> dict[str, Any]:
    """One customer's M1.1 screening: each criterion with whether it holds and why it would not."""
    result = screen(customer)
    return {
        "number": customer.number, "name": customer.name, "segment": customer.segment_code,
        "eligible": result.eligible, "flagged": customer.auto_reconnect,
        "criteria": [{"rule": c.rule, "holds": c.holds, "reason": c.reason} for c in result.criteria],
    }


def screening_of(session: Session, customer_number: str) -> dict[str, Any]:
    """The M1.1 screening of one customer, with its current auto-reconnect flag (``flagged``)."""
    return screening_row(find_customer(session, customer_number))


def row_wanted(row: dict[str, Any], only: str | None) -> bool:
    if only == "eligible":
        return bool(row["eligible"])
    if only == "ineligible":
        return not row["eligible"]
    if only == "flagged_but_ineligible":
        return bool(row["flagged"]) and not row["eligible"]
    return True


def screening_report(session: Session, *, segment: str | None = None, only: str | None = None) -> list[dict[str, Any]]:
    """The screening of many customers, ordered by number.

    ``segment`` keeps one meter-reading segment; ``only`` keeps the ``"eligible"``, the
    ``"ineligible"`` or the ``"flagged_but_ineligible"`` ones — the last are the customers whose
    flag the manual warns about: automatic reconnection will be tried and cannot succeed.
    """
    if only is not None and only not in REPORT_FILTERS:
        raise RuntimeActionError(Text(UNKNOWN_FILTER, only=repr(only), choices=", ".join(REPORT_FILTERS)))
    if segment is not None:
        find_segment(session, segment)
    rows = (screening_row(customer) for customer in customer_rows.in_order(session, segment=segment))
    return [row for row in rows if row_wanted(row, only)]


def screening_summary(rows: Iterable[dict[str, Any]]) -> dict[str, int]:
    """Counts over ``screening_report`` rows: total, eligible, flagged, flagged_but_ineligible."""
    summary = {"total": 0, "eligible": 0, "flagged": 0, "flagged_but_ineligible": 0}
    for row in rows:
        summary["total"] += 1
        summary["eligible"] += bool(row["eligible"])
        summary["flagged"] += bool(row["flagged"])
        summary["flagged_but_ineligible"] += bool(row["flagged"]) and not row["eligible"]
    return summary


def rate(part: int, whole: int) -> float:
    """``part`` of ``whole`` as a fraction 0..1 with 3 decimals (0 for an empty whole)."""
    return round(part / whole, 3) if whole else 0.0


def subscription_rates(session: Session) -> list[dict[str, Any]]:
    """Per segment (by code): ``customers``, ``subscribed`` and ``rate`` (0..1, 3 decimals) per
    notice type, and ``subscribed_any`` / ``rate_any`` for customers with at least one
    subscription — the figure M2.1 asks the utility to raise. An empty segment's rates are 0."""
    counted = segment_tallies.tallies(session)
    customers = segment_tallies.of_kind(counted, segment_tallies.CUSTOMERS)
    any_subscribed = segment_tallies.of_kind(counted, segment_tallies.ANY)
    rows = []
    for code, name in segment_rows.names(session):
        total = customers.get(code, 0)
        subscribed = {kind: counted.get((code, kind), 0) for kind in NOTICE_TYPES}
        rows.append({
            "segment": code, "name": name, "customers": total, "subscribed": subscribed,
            "rate": {kind: rate(count, total) for kind, count in subscribed.items()},
            "subscribed_any": any_subscribed.get(code, 0), "rate_any": rate(any_subscribed.get(code, 0), total),
        })
    return rows


def segments_overview(session: Session) -> list[dict[str, Any]]:
    """Every meter-reading segment (by code) with its reader, the reader's mobile and its customer count."""
    counts = segment_tallies.of_kind(segment_tallies.tallies(session), segment_tallies.CUSTOMERS)
    return [
        {"code": s.code, "name": s.name, "reader_username": s.reader_username, "reader_mobile": s.reader_mobile,
         "customers": counts.get(s.code, 0)}
        for s in segment_rows.all_segments(session)
    ]
