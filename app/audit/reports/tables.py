"""The four reports, computed from the period's facts (``app.audit.reports.facts``)."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy.orm import Session

from app.archive.lookups import rate
from app.audit.reports import facts
from app.audit.reports.period import BadReportArguments, ReportPeriod
from app.audit.reports.stats import nearest_rank
from app.rules.beijing import beijing_date
from app.translations import N_
from storage import segments as segment_rows
from storage.statuses import OrderStatus

OVER_HOURS = 24
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
    cases: list[PaymentCase]
    median_hours: float | None
    p95_hours: float | None
    over: list[PaymentCase]  # more than OVER_HOURS, longest first
    without_payment: int  # reconnected in the period, but no payment cleared the arrears before the order


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


@dataclass(frozen=True)
class ManualOrder:
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
    manual_orders: list[ManualOrder]

    @property
    def send_numbers(self) -> list[int]:
        """The send numbers to show a column for: 1..3 (the diagram's loop), more if a case needed them."""
        return list(range(1, max(MAX_SENDS_SHOWN, *self.first_attempt_total.by_send, 0) + 1))


def build_reports(session: Session, period: ReportPeriod) -> Reports:
    """Every report for ``period`` (an unknown segment is a ``BadReportArguments``)."""
    segments = segment_rows.names(session)
    if period.segment and period.segment not in dict(segments):
        raise BadReportArguments(f"no meter-reading segment {period.segment!r}")
    cut = facts.disconnections(session, period)
    orders = facts.reconnections(session, period)
    daily = _daily(period, cut, orders)
    per_day = {day: DayCounts(day, "") for day in period.days}
    per_segment: dict[str, DayCounts] = {}
    total = DayCounts(None, "")
    for row in daily:
        assert row.day is not None
        for target in (per_day[row.day], per_segment.setdefault(row.segment, DayCounts(None, row.segment)), total):
            _add(target, row)
    first = _first_attempt(period, orders)
    return Reports(period, segments, daily, list(per_day.values()), sorted(per_segment.values(), key=_by_segment),
                   total, _payment(period, orders), sorted(first.values(), key=_by_segment),
                   _sum_attempts(first.values()), _manual_orders(period, orders))


def _daily(period: ReportPeriod, cut: list[facts.Disconnection],
           orders: list[facts.ReconnectionFact]) -> list[DayCounts]:
    rows: dict[tuple[date, str], DayCounts] = {}

    def row(day: date, segment: str) -> DayCounts:
        return rows.setdefault((day, segment), DayCounts(day, segment))

    for event in cut:
        counted = row(beijing_date(event.at), event.segment)
        if event.how == "on_site":
            counted.disconnected_on_site += 1
        else:
            counted.disconnected_remote += 1
    for order in orders:
        if order.restored_at is not None and period.holds(beijing_date(order.restored_at)):
            counted = row(beijing_date(order.restored_at), order.segment)
            if order.how == "on_site":
                counted.reconnected_on_site += 1
            else:
                counted.reconnected_remote += 1
        if order.manual_order_no and period.holds(beijing_date(order.opened_at)):
            row(beijing_date(order.opened_at), order.segment).manual_orders += 1
    return [rows[key] for key in sorted(rows)]


def _add(target: DayCounts, row: DayCounts) -> None:
    target.disconnected_remote += row.disconnected_remote
    target.disconnected_on_site += row.disconnected_on_site
    target.reconnected_remote += row.reconnected_remote
    target.reconnected_on_site += row.reconnected_on_site
    target.manual_orders += row.manual_orders


def _payment(period: ReportPeriod, orders: list[facts.ReconnectionFact]) -> PaymentToReconnection:
    cases, without = [], 0
    for order in orders:
        if order.restored_at is None or not period.holds(beijing_date(order.restored_at)):
            continue
        if order.paid_at is None:
            without += 1
            continue
        hours = (order.restored_at - order.paid_at).total_seconds() / 3600
        cases.append(PaymentCase(order.manual_order_no or order.auto_order_no or "", order.customer,
                                 order.customer_name, order.segment, order.paid_at, order.restored_at,
                                 order.how or "", hours))
    cases.sort(key=lambda case: (-case.hours, case.order_no))
    durations = [case.hours for case in cases]
    return PaymentToReconnection(cases, nearest_rank(durations, 50), nearest_rank(durations, 95),
                                 [case for case in cases if case.hours > OVER_HOURS], without)


def _first_attempt(period: ReportPeriod, orders: list[facts.ReconnectionFact]) -> dict[str, FirstAttempt]:
    per_segment: dict[str, FirstAttempt] = defaultdict(lambda: FirstAttempt(""))
    for order in orders:
        if not order.automatic_concluded or not period.holds(beijing_date(order.opened_at)):
            continue
        counted = per_segment[order.segment]
        counted.segment = order.segment
        counted.concluded += 1
        if order.outcome == facts.REMOTE:
            counted.by_send[max(order.sends, 1)] += 1
        else:
            counted.all_failed += 1
    return dict(per_segment)


def _sum_attempts(rows: Iterable[FirstAttempt]) -> FirstAttempt:
    total = FirstAttempt("")
    for row in rows:
        total.concluded += row.concluded
        total.by_send.update(row.by_send)
        total.all_failed += row.all_failed
    return total


def _manual_orders(period: ReportPeriod, orders: list[facts.ReconnectionFact]) -> list[ManualOrder]:
    found = [ManualOrder(order.manual_order_no or "", order.customer, order.customer_name, order.segment,
                         order.opened_at, "remote_failed" if order.auto_order_no else "not_flagged", order.sends,
                         order.status, order.restored_at)
             for order in orders
             if order.manual_order_no and period.holds(beijing_date(order.opened_at))]
    return sorted(found, key=lambda order: (order.opened_at, order.order_no))


def _by_segment(row: DayCounts | FirstAttempt) -> str:
    return row.segment
