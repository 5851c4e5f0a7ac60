"""Time from payment to reconnection: of the orders whose power came back in the period, the hours
from the payment that cleared the arrears to power back — their median and p95 (nearest rank),
the cases over ``OVER_HOURS`` (longest first) and the orders without such a payment. The summary
reads one column per order (the wait, computed by the database); the cases in full are read only
for the ones a page shows, or streamed for the CSV (``cases``)."""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from app.audit.reports.period import ReportPeriod
from app.audit.reports.stats import nearest_rank
from storage import report_cases
from storage.report_expressions import as_microseconds
from storage.report_facts import ON_SITE, REMOTE

OVER_HOURS = 24


@dataclass(frozen=True)
class PaymentCase:
    order_no: str
    customer: str
    customer_name: str
    segment: str
    paid_at: datetime
    restored_at: datetime
    how: str
    hours: float


@dataclass
class PaymentToReconnection:
    hours: list[float]  # every case's hours, shortest first
    median_hours: float | None
    p95_hours: float | None
    over_count: int  # cases over OVER_HOURS
    over: list[PaymentCase]  # the longest of them first: all, or as many as were asked for
    without_payment: int  # reconnected in the period, but no payment cleared the arrears before the order

    @property
    def count(self) -> int:
        return len(self.hours)


def payment_to_reconnection(session: Session, period: ReportPeriod, over_shown: int | None) -> PaymentToReconnection:
    """The summary, with the ``over_shown`` longest cases over ``OVER_HOURS`` (None: all of them)."""
    waits = report_cases.payment_waits(session, period.utc_start, period.utc_end, period.segment)
    hours = sorted(_hours(wait) for wait in waits if wait is not None)
    over_count = len(hours) - bisect_right(hours, OVER_HOURS)
    over = list(cases(session, period, OVER_HOURS, over_shown)) if over_count and over_shown != 0 else []
    return PaymentToReconnection(hours, nearest_rank(hours, 50), nearest_rank(hours, 95), over_count, over,
                                 len(waits) - len(hours))


def cases(session: Session, period: ReportPeriod, over_hours: int | None = None,
          limit: int | None = None) -> Iterator[PaymentCase]:
    """The cases longest first (then by order number), optionally only those over ``over_hours``
    and at most ``limit``; streamed from the database."""
    over = None if over_hours is None else as_microseconds(over_hours)
    for row in report_cases.payment_cases(session, period.utc_start, period.utc_end, period.segment, over, limit):
        yield PaymentCase(row.order_no, row.customer, row.customer_name, row.segment, row.paid_at, row.restored_at,
                          {REMOTE: "remote", ON_SITE: "on_site"}.get(row.outcome, ""), _hours(row.microseconds))


def _hours(microseconds: int) -> float:
    return microseconds / 10**6 / 3600  # as timedelta.total_seconds() / 3600 computes it: the same float

