"""The reports computed the way they were before the counts became ``GROUP BY``s (issue 14 item 8):
every overlapping order's facts (``app.audit.reports.facts``) fetched and walked in Python — Beijing
days, the daily table, first attempts, every payment case. Kept as the oracle ``build_reports`` must
equal (``test_report_sql.py``, ``benchmarks/reports.py``)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import replace
from datetime import date

from sqlalchemy.orm import Session

from app.audit.reports import facts
from app.audit.reports.payment import BUCKET_HOURS, OVER_HOURS, PaymentCase, PaymentToReconnection
from app.audit.reports.period import ReportPeriod
from app.audit.reports.reasons import reason_reports
from app.audit.reports.stats import nearest_rank
from app.audit.reports.tables import DayCounts, FirstAttempt, ManualOrder, Reports, check_segment
from app.rules.beijing import beijing_date


def reports(session: Session, period: ReportPeriod) -> tuple[Reports, list[PaymentCase]]:
    """Every report for ``period`` (all cases over 24 h), and every payment case, longest first."""
    segments = check_segment(session, period)
    cut = facts.disconnections(session, period)
    orders = facts.reconnections(session, period)
    daily = _daily(period, cut, orders)
    per_day = {day: DayCounts(day, "") for day in period.days}
    per_segment: dict[str, DayCounts] = {}
    total = DayCounts(None, "")
    for row in daily:
        assert row.day is not None
        for target in (per_day[row.day], per_segment.setdefault(row.segment, DayCounts(None, row.segment)), total):
            for name in ("disconnected_remote", "disconnected_on_site", "reconnected_remote", "reconnected_on_site",
                         "manual_orders"):
                setattr(target, name, getattr(target, name) + getattr(row, name))
    first = _first_attempt(period, orders)
    total_first = FirstAttempt("")
    for attempts in first.values():
        total_first.concluded += attempts.concluded
        total_first.by_send.update(attempts.by_send)
        total_first.all_failed += attempts.all_failed
    payment, cases = _payment(period, orders)
    found = Reports(period, segments, daily, list(per_day.values()),
                    sorted(per_segment.values(), key=lambda row: row.segment), total, payment,
                    sorted(first.values(), key=lambda row: row.segment), total_first, _manual_orders(period, orders),
                    reason_reports(session, period))  # not walked: the counts by reason code came later (issue 16)
    return found, cases


def as_shown(walked: Reports, shown: int) -> Reports:
    """The walk's reports as ``build_reports(..., shown)`` gives them to the page: the ``shown``
    longest cases over 24 h and the ``shown`` first manual orders, every number the same."""
    return replace(walked, payment=replace(walked.payment, over=walked.payment.over[:shown]),
                   manual_orders=walked.manual_orders[:shown])


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


def _payment(period: ReportPeriod,
             orders: list[facts.ReconnectionFact]) -> tuple[PaymentToReconnection, list[PaymentCase]]:
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
    buckets = [0] * (len(BUCKET_HOURS) + 1)
    for hours in durations:
        buckets[next((n for n, limit in enumerate(BUCKET_HOURS) if hours <= limit), len(BUCKET_HOURS))] += 1
    over = [case for case in cases if case.hours > OVER_HOURS]
    return PaymentToReconnection(buckets, nearest_rank(durations, 50), nearest_rank(durations, 95), over,
                                 without), cases


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


def _manual_orders(period: ReportPeriod, orders: list[facts.ReconnectionFact]) -> list[ManualOrder]:
    found = [ManualOrder(order.manual_order_no or "", order.customer, order.customer_name, order.segment,
                         order.opened_at, "remote_failed" if order.auto_order_no else "not_flagged", order.sends,
                         order.status, order.restored_at)
             for order in orders
             if order.manual_order_no and period.holds(beijing_date(order.opened_at))]
    return sorted(found, key=lambda order: (order.opened_at, order.order_no))
