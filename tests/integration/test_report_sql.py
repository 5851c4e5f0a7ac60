"""Issue 14 item 8: the reports' counts are ``GROUP BY``s with Beijing days computed by the database,
and the payment waits are whole microseconds from the database. On SQLite and PostgreSQL, over rows
written straight into the tables, the edge cases come out as the per-order walk computed them
(``tests/web/report_walk.py``): the 16:00 UTC day boundary, to the microsecond; automatic orders
with zero sends; a wait of exactly 24 h; orders without their restore time; ties between waits."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from itertools import count
from typing import Any

from app.audit.reports.payment import cases as payment_cases
from app.audit.reports.period import ReportPeriod
from app.audit.reports.tables import Reports, build_reports
from app.bootstrap import Services
from storage.domain_models import Disconnection
from storage.models import Deployment, Instance, InstanceAttribute, ProcessVersion
from tests.integration.test_reports import customer, open_order, pay
from tests.web import report_walk

DAY_1, DAY_2 = date(2026, 3, 1), date(2026, 3, 2)
BOUNDARY = datetime(2026, 3, 1, 16, 0, tzinfo=UTC)  # midnight between DAY_1 and DAY_2 in Beijing
JUST_BEFORE = BOUNDARY - timedelta(microseconds=1)
REMOTE, ON_SITE = "reconnected_remote", "reconnected_on_site"
_numbers = count(500)


def order(services: Services, customer_id: int, opened: datetime, *, outcome: str | None = REMOTE,
          sends: int = 1, restored: datetime | None = None, manual: bool = False, automatic: bool = True,
          status: str = "closed", segment: str | None = None) -> None:
    n = next(_numbers)
    closed = None if status == "open" else (restored or opened) + timedelta(seconds=30)
    with services.db.transaction() as session:
        if segment is not None:
            _instance(session, n, "reconnect", opened)
            session.add(InstanceAttribute(instance_id=n, name="segment", value=segment))
        open_order(session, customer_id, opened, instance_id=n, status=status, closed_at=closed, outcome=outcome,
                   sends=sends, reconnected_at=restored, auto_order_no=f"1{n:07d}" if automatic else None,
                   manual_order_no=f"14{n:010d}" if manual else None)


def cut(services: Services, at: datetime, how: str, segment: str | None) -> None:
    n = next(_numbers)
    with services.db.transaction() as session:
        _instance(session, n, "disconnect_customer", at)
        if segment is not None:
            session.add(InstanceAttribute(instance_id=n, name="segment", value=segment))
        session.add(Disconnection(instance_id=n, customer_number=f"99{n:08d}", at=at, how=how))


def _instance(session: Any, n: int, process: str, at: datetime) -> None:
    if session.get(ProcessVersion, 1) is None:
        session.add(Deployment(id=1, bundle_hash="b" * 64, deployed_by="test", deployed_at=at))
        session.flush()
        session.add(ProcessVersion(id=1, deployment_id=1, process_id="p", version=1, name="p", spec_json="{}"))
        session.flush()
    session.add(Instance(id=n, process_version_id=1, process_id=process, status="completed", started_by="test",
                         created_at=at, updated_at=at, ended_at=at))
    session.flush()


def both_ways(services: Services, period: ReportPeriod) -> Reports:
    """The reports from the GROUP BYs, asserted equal to the per-order walk's (cases too; and the
    page's few longest cases over 24 h, read by id, and first manual orders are the first of them)."""
    with services.db.reading() as session:
        found = build_reports(session, period)
        walked, cases = report_walk.reports(session, period)
        streamed = list(payment_cases(session, period))
        shown = build_reports(session, period, 1)
    assert found == walked, period
    assert streamed == cases, period
    assert shown == report_walk.as_shown(walked, 1), period
    return found


def test_issue14_item8_a_day_ends_at_16_00_utc_to_the_microsecond(backend_services: Services) -> None:
    """Power back at 15:59:59.999999 UTC counts on DAY_1, at 16:00 on DAY_2; so do manual orders opened
    and disconnections then; a period of DAY_2 alone leaves out what came a microsecond before."""
    s = backend_services
    for moment in (JUST_BEFORE, BOUNDARY):
        order(s, customer(s), moment - timedelta(hours=1), restored=moment)
        order(s, customer(s), moment, outcome=ON_SITE, sends=3, manual=True, restored=moment + timedelta(days=3))
        cut(s, moment, "on_site", "S01")
    found = both_ways(s, ReportPeriod(DAY_1, DAY_2))
    assert [(row.day, row.reconnected_remote, row.manual_orders, row.disconnected_on_site)
            for row in found.per_day] == [(DAY_1, 1, 1, 1), (DAY_2, 1, 1, 1)]
    second = both_ways(s, ReportPeriod(DAY_2, DAY_2))
    assert (second.total.reconnected_remote, second.total.manual_orders, second.total.disconnected) == (1, 1, 1)
    assert [day.day for day in second.per_day] == [DAY_2]


def test_issue14_item8_zero_sends_are_send_1_when_remote_and_failed_otherwise(backend_services: Services) -> None:
    s = backend_services
    opened = BOUNDARY - timedelta(hours=5)
    order(s, customer(s), opened, sends=0, restored=opened + timedelta(minutes=1))  # remote, no send recorded
    order(s, customer(s), opened, sends=2, restored=opened + timedelta(minutes=1))
    order(s, customer(s), opened, outcome=ON_SITE, sends=0, manual=True, restored=opened + timedelta(hours=2))
    order(s, customer(s), opened, outcome=ON_SITE, sends=0, manual=True, automatic=False,  # not flagged
          restored=opened + timedelta(hours=2))
    order(s, customer(s), opened, outcome=None, sends=0, status="open")  # still sending: not concluded
    found = both_ways(s, ReportPeriod(DAY_1, DAY_1))
    total = found.first_attempt_total
    assert (total.concluded, dict(total.by_send), total.all_failed) == (3, {1: 1, 2: 1}, 1)
    assert sorted((o.why, o.sends) for o in found.manual_orders) == [("not_flagged", 0), ("remote_failed", 0)]


def test_issue14_item8_waits_are_exact_and_24_hours_is_not_over(backend_services: Services) -> None:
    """Waits to the microsecond: exactly 24 h is not over, a microsecond more is; the hours are the
    floats Python computes from the timestamps; equal waits are ordered by order number."""
    s = backend_services
    opened = datetime(2026, 3, 1, 1, 2, 3, 456789, tzinfo=UTC)
    paid = opened - timedelta(hours=1, microseconds=7)
    for wait in (timedelta(hours=24), timedelta(hours=24, microseconds=1), timedelta(seconds=1),
                 timedelta(hours=3, microseconds=999_999), timedelta(hours=3, microseconds=999_999)):
        who = customer(s)
        pay(s, who, paid, 0, opened)
        order(s, who, opened, restored=paid + wait)
    order(s, customer(s), opened, restored=opened + timedelta(hours=2))  # no payment
    order(s, customer(s), opened, status="closed", outcome=REMOTE, restored=None)  # imported: its close counts
    found = both_ways(s, ReportPeriod(DAY_1, DAY_2))
    payment = found.payment
    assert (payment.count, payment.over_count, payment.without_payment) == (5, 1, 2)
    assert payment.over[0].hours == timedelta(hours=24, microseconds=1).total_seconds() / 3600
    assert payment.median_hours == timedelta(hours=3, microseconds=999_999).total_seconds() / 3600
    with s.db.reading() as session:
        ties = [case.order_no for case in payment_cases(session, ReportPeriod(DAY_1, DAY_2))][2:4]
    assert ties == sorted(ties)
    assert found.total.reconnected_remote == 7


def test_issue14_item8_segments_fall_back_and_filter_the_same_way(backend_services: Services) -> None:
    """An order's segment is its process's, else its customer's; a disconnection without one is ""."""
    s = backend_services
    opened = BOUNDARY - timedelta(hours=5)
    customer(s, "S08")  # the segment exists; none of its customers has an order
    order(s, customer(s, "S07"), opened, restored=opened + timedelta(minutes=1), segment="S08")
    order(s, customer(s, "S07"), opened, restored=opened + timedelta(minutes=1))
    cut(s, opened, "remote", None)
    cut(s, opened, "remote", "S08")
    whole = both_ways(s, ReportPeriod(DAY_1, DAY_1))
    assert [(row.segment, row.reconnected_remote, row.disconnected_remote) for row in whole.daily] == [
        ("", 0, 1), ("S07", 1, 0), ("S08", 1, 1)]
    for segment in ("S07", "S08"):
        one = both_ways(s, ReportPeriod(DAY_1, DAY_1, segment))
        assert one.total.reconnected_remote == 1, segment
