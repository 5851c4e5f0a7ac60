"""Time from payment to reconnection: of the orders whose power came back in the period, the hours
from the payment that cleared the arrears to power back — how many fall in each length bucket,
their median and p95 (nearest rank), the cases over ``OVER_HOURS`` (longest first) and the orders
without such a payment. The database sums the waits up (``report_counts.order_counts``: the
buckets, the waits at the nearest ranks, the ids of the longest a page shows); cases are read in
full only for those, or streamed for the JSON and the CSV (``cases``)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from app.audit.reports.period import ReportPeriod
from app.audit.reports.stats import nearest_rank_position
from storage import report_cases, report_orders
from storage.report_counts import WaitQuestion, Waits
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


def question(shown: int | None) -> WaitQuestion:
    """What the summary needs of the waits, with the ``shown`` longest over ``OVER_HOURS`` named
    (None: none, ``payment_to_reconnection`` streams them all)."""
    return WaitQuestion(tuple(as_microseconds(hours) for hours in BUCKET_HOURS), (MEDIAN, P95),
                        as_microseconds(OVER_HOURS), shown)


def payment_to_reconnection(session: Session, period: ReportPeriod, waits: Waits,
                            shown: int | None) -> PaymentToReconnection:
    """The summary of the period's waits (asked with ``question(shown)``), with the ``shown``
    longest cases over ``OVER_HOURS`` (None: all of them) read in full."""
    count = sum(waits.buckets)

    def at_rank(percent: int) -> float | None:
        return _hours(waits.at_rank[nearest_rank_position(count, percent)]) if count else None

    return PaymentToReconnection(waits.buckets, at_rank(MEDIAN), at_rank(P95), _longest(session, period, waits, shown),
                                 waits.without_payment)


def _longest(session: Session, period: ReportPeriod, waits: Waits, shown: int | None) -> list[PaymentCase]:
    if shown is None:  # all of them (the JSON): one pass, longest first
        return list(cases(session, period, as_microseconds(OVER_HOURS)))
    # a few (the page): the longest the database named, read by id
    rows = {row.order_id: row for row in report_cases.payment_cases_of(session, [id_ for *_, id_ in waits.longest])}
    return [_case(rows[id_]) for *_, id_ in waits.longest]


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
