"""Time from payment to reconnection: of the orders whose power came back in the period, the hours
from the payment that cleared the arrears to power back — how many fall in each length bucket,
their median and p95 (nearest rank), the cases over ``OVER_HOURS`` (longest first) and the orders
without such a payment. The database computes each order's wait (``report_counts.order_counts``:
one integer per order, with the order's id and number); cases are read in full only for the
longest ones a page shows, or streamed for the CSV (``cases``)."""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from app.audit.reports.period import ReportPeriod
from app.audit.reports.stats import nearest_rank_position
from storage import report_cases, report_orders
from storage.report_counts import Wait
from storage.report_expressions import as_microseconds
from storage.report_facts import ON_SITE, REMOTE

OVER_HOURS = 24
# a case falls in the first bucket whose limit it does not exceed; the last bucket is over OVER_HOURS
BUCKET_HOURS = (2, 6, 12, OVER_HOURS)
MEDIAN, P95 = 50, 95


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
    buckets: list[int]  # cases per BUCKET_HOURS bucket, then over the last limit
    median_hours: float | None
    p95_hours: float | None
    over: list[PaymentCase]  # the longest cases over OVER_HOURS first: all, or as many as were asked for
    without_payment: int  # reconnected in the period, but no payment cleared the arrears before the order

    @property
    def count(self) -> int:
        return sum(self.buckets)

    @property
    def over_count(self) -> int:
        return self.buckets[-1]


def payment_to_reconnection(session: Session, period: ReportPeriod, waits: list[Wait],
                            shown: int | None) -> PaymentToReconnection:
    """The summary of the period's waits, with the ``shown`` longest cases over ``OVER_HOURS``
    (None: all of them) read in full."""
    paid = [(wait, order_no, order_id) for wait, order_no, order_id in waits if wait is not None]
    ordered = sorted(microseconds for microseconds, _no, _id in paid)
    limits = [as_microseconds(hours) for hours in BUCKET_HOURS]
    upto = [0, *(bisect_right(ordered, limit) for limit in limits), len(ordered)]

    def at_rank(percent: int) -> float | None:
        return _hours(ordered[nearest_rank_position(len(ordered), percent) - 1]) if ordered else None

    return PaymentToReconnection([upto[n + 1] - upto[n] for n in range(len(limits) + 1)], at_rank(MEDIAN),
                                 at_rank(P95), _longest(session, period, paid, shown), len(waits) - len(paid))


def _longest(session: Session, period: ReportPeriod, paid: list[tuple[int, str, int]],
             shown: int | None) -> list[PaymentCase]:
    over = as_microseconds(OVER_HOURS)
    if shown is None:  # all of them (the JSON): one pass, longest first
        return list(cases(session, period, over))
    # a few (the page): the longest by their waits (then by order number), read by id
    longest = sorted((-microseconds, order_no, order_id) for microseconds, order_no, order_id in paid
                     if microseconds > over)[:shown]
    rows = {row.order_id: row for row in report_cases.payment_cases_of(session, [id_ for *_, id_ in longest])}
    return [_case(rows[id_]) for *_, id_ in longest]


def cases(session: Session, period: ReportPeriod, over: int | None = None) -> Iterator[PaymentCase]:
    """Every case (waiting more than ``over`` microseconds when given), longest first (then by
    order number), streamed from the database."""
    report_orders.without_jit(session)
    for row in report_cases.payment_cases(session, period.utc_start, period.utc_end, period.segment, over):
        yield _case(row)


def _case(row: report_cases.PaymentCaseRow) -> PaymentCase:
    return PaymentCase(row.order_no, row.customer, row.customer_name, row.segment, row.paid_at, row.restored_at,
                       {REMOTE: "remote", ON_SITE: "on_site"}.get(row.outcome, ""), _hours(row.microseconds))


def _hours(microseconds: int) -> float:
    return microseconds / 10**6 / 3600  # as timedelta.total_seconds() / 3600 computes it: the same float
