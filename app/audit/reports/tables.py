"""The four reports for a period: counts grouped by the database (``storage/report_counts.py``:
Beijing days, segments, sends), the payment summary (``app.audit.reports.payment``) and the manual
orders opened in the period — no per-order walk here (issue 14 item 8). ``app.audit.reports.facts``
says what each counted fact means."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import NamedTuple

from sqlalchemy.orm import Session

from app.archive.lookups import rate
from app.audit.reports import payment
from app.audit.reports.payment import OVER_HOURS, PaymentCase, PaymentToReconnection
from app.audit.reports.period import BadReportArguments, ReportPeriod
from app.audit.reports.reasons import ReasonReports, reason_reports
from app.translations import N_
from storage import report_cases, report_counts, report_orders
from storage import segments as segment_rows
from storage.statuses import OrderStatus

__all__ = ["HOW_LABELS", "ORDER_LABELS", "OVER_HOURS", "WHY_LABELS", "DayCounts", "FirstAttempt", "ManualOrder",
           "PaymentCase", "PaymentToReconnection", "Reports", "build_reports",
           "check_segment", "manual_orders"]
# English labels of the codes (pages and CSV show them in the reader's language)
HOW_LABELS = {"remote": N_("Remotely"), "on_site": N_("On site")}
WHY_LABELS = {"remote_failed": N_("Remote sends failed"), "not_flagged": N_("No auto-reconnect flag")}
ORDER_LABELS: dict[str, str] = {OrderStatus.OPEN: N_("Open"), OrderStatus.CLOSED: N_("Closed"),
                                OrderStatus.ABANDONED: N_("Abandoned")}
MAX_SENDS_SHOWN = 3  # the diagram's loopMaximum today; a longer loop shows its sends too


@dataclass
class DayCounts:
    """What happened on one Beijing day in one segment ("" when summed over segments)."""

    day: date | None
    segment: str
    disconnected_remote: int = 0
    disconnected_on_site: int = 0
    reconnected_remote: int = 0
    reconnected_on_site: int = 0
    manual_orders: int = 0

    @property
    def disconnected(self) -> int:
        return self.disconnected_remote + self.disconnected_on_site

    @property
    def reconnected(self) -> int:
        return self.reconnected_remote + self.reconnected_on_site


@dataclass
class FirstAttempt:
    segment: str
    concluded: int = 0
    by_send: Counter[int] = field(default_factory=Counter)  # remote successes by the send that succeeded
    all_failed: int = 0

    @property
    def first_send(self) -> int:
        return self.by_send[1]

    @property
    def rate(self) -> float:
        return rate(self.first_send, self.concluded)


class ManualOrder(NamedTuple):  # a tuple: a whole period lists ~30,000, built fast
    order_no: str
    customer: str
    customer_name: str
    segment: str
    opened_at: datetime
    why: str  # "remote_failed" (after its sends) or "not_flagged" (no auto-reconnect flag)
    sends: int
    status: str
    restored_at: datetime | None


@dataclass
class Reports:
    period: ReportPeriod
    segments: list[tuple[str, str]]
    daily: list[DayCounts]  # (day, segment) pairs with anything to count
    per_day: list[DayCounts]  # every day of the period, summed over segments
    per_segment: list[DayCounts]
    total: DayCounts
    payment: PaymentToReconnection
    first_attempt: list[FirstAttempt]  # per segment
    first_attempt_total: FirstAttempt
    manual_orders: list[ManualOrder]  # all of them, or the first a page shows (total.manual_orders: how many)
    reasons: ReasonReports  # by disconnection reason code and by cancelled-cut code (issue 16 item 7)

    @property
    def send_numbers(self) -> list[int]:
        """The send numbers to show a column for: 1..3 (the diagram's loop), more if a case needed them."""
        return list(range(1, max(MAX_SENDS_SHOWN, *self.first_attempt_total.by_send, 0) + 1))


def build_reports(session: Session, period: ReportPeriod, shown: int | None = None) -> Reports:
    """Every report for ``period`` (an unknown segment is a ``BadReportArguments``), with the
    ``shown`` longest payment cases over ``OVER_HOURS`` and the ``shown`` first manual orders
    (None: all of them; ``total.manual_orders`` counts them all)."""
    segments = check_segment(session, period)
    span = (period.utc_start, period.utc_end, period.segment)
    report_orders.without_jit(session)
    counts = report_counts.order_counts(session, *span, payment.question(shown))
    daily = _daily(report_counts.disconnections_per_day(session, *span), counts.reconnected, counts.manual)
    per_day = {day: DayCounts(day, "") for day in period.days}
    per_segment: dict[str, DayCounts] = {}
    total = DayCounts(None, "")
    for row in daily:
        assert row.day is not None
        for target in (per_day[row.day], per_segment.setdefault(row.segment, DayCounts(None, row.segment)), total):
            _add(target, row)
    first = _first_attempt(counts.sends)
    waits = payment.payment_to_reconnection(session, period, counts.waits, shown)
    return Reports(period, segments, daily, list(per_day.values()), sorted(per_segment.values(), key=_by_segment),
                   total, waits, sorted(first.values(), key=_by_segment), _sum_attempts(first.values()),
                   list(manual_orders(session, period, shown)), reason_reports(session, period))


def manual_orders(session: Session, period: ReportPeriod, first: int | None = None) -> Iterator[ManualOrder]:
    """The manual orders opened in ``period``, in the order they opened (then by number): the
    ``first`` of them when given, else all, streamed from the database (the CSV's ~30,000)."""
    report_orders.without_jit(session)
    for row in report_cases.manual_orders(session, period.utc_start, period.utc_end, period.segment, first):
        yield ManualOrder(row.order_no, row.customer, row.customer_name, row.segment, row.opened_at,
                          "remote_failed" if row.automatic_first else "not_flagged", row.sends, row.status,
                          row.restored_at)


def check_segment(session: Session, period: ReportPeriod) -> list[tuple[str, str]]:
    """The segments (code, name); ``BadReportArguments`` when the period's segment is not one."""
    segments = segment_rows.names(session)
    if period.segment and period.segment not in dict(segments):
        raise BadReportArguments(f"no meter-reading segment {period.segment!r}")
    return segments


def _daily(cut: list[report_counts.DayCount], reconnected: list[report_counts.DayCount],
           manual: list[report_counts.DayCount]) -> list[DayCounts]:
    rows: dict[tuple[date, str], DayCounts] = {}

    def row(count: report_counts.DayCount) -> DayCounts:
        return rows.setdefault((count.day, count.segment), DayCounts(count.day, count.segment))

    for count in cut:
        counted = row(count)
        counted.disconnected_on_site += count.on_site
        counted.disconnected_remote += count.orders - count.on_site
    for count in reconnected:
        counted = row(count)
        counted.reconnected_on_site += count.on_site
        counted.reconnected_remote += count.orders - count.on_site
    for count in manual:
        row(count).manual_orders += count.orders
    return [rows[key] for key in sorted(rows)]


def _add(target: DayCounts, row: DayCounts) -> None:
    target.disconnected_remote += row.disconnected_remote
    target.disconnected_on_site += row.disconnected_on_site
    target.reconnected_remote += row.reconnected_remote
    target.reconnected_on_site += row.reconnected_on_site
    target.manual_orders += row.manual_orders


def _first_attempt(counts: list[report_counts.SendCount]) -> dict[str, FirstAttempt]:
    per_segment: dict[str, FirstAttempt] = {}
    for count in counts:
        counted = per_segment.setdefault(count.segment, FirstAttempt(count.segment))
        counted.concluded += count.orders
        if count.send == report_counts.ALL_FAILED:
            counted.all_failed += count.orders
        else:
            counted.by_send[count.send] += count.orders
    return per_segment


def _sum_attempts(rows: Iterable[FirstAttempt]) -> FirstAttempt:
    total = FirstAttempt("")
    for row in rows:
        total.concluded += row.concluded
        total.by_send.update(row.by_send)
        total.all_failed += row.all_failed
    return total


def _by_segment(row: DayCounts | FirstAttempt) -> str:
    return row.segment
