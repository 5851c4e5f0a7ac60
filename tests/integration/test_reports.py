"""The report numbers over rows written straight into the domain tables (issue 5 part 5), on
SQLite and PostgreSQL: nearest-rank median and p95 worked by hand, Beijing midnight, which payment
counts (the latest one that cleared the arrears before the order opened), segment fallback."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from itertools import count
from typing import Any

from sqlalchemy import update
from sqlalchemy.orm import Session

from app.audit.reports.payment import cases as payment_cases
from app.audit.reports.period import ReportPeriod
from app.audit.reports.tables import Reports, build_reports
from app.bootstrap import Services
from storage import reconnections as order_rows
from storage.domain_models import Customer, MeterCommand, Payment, Reconnection, Segment
from storage.statuses import OrderStatus

OPENED = datetime(2026, 3, 1, 0, 0, tzinfo=UTC)  # 08:00 on 1 March in Beijing
_ids = count(1)


def customer(services: Services, segment: str = "S01") -> int:
    n = next(_ids)
    with services.db.transaction() as session:
        if session.get(Segment, segment) is None:
            session.add(Segment(code=segment, name=f"Segment {segment}"))
            session.flush()
        row = Customer(number=f"35{n:08d}", name=f"客户{n}", customer_class="household", voltage_class="low",
                       segment_code=segment, meter_address=f"{n:012d}", meter_protocol="dlt645", relay_type="internal",
                       can_direct_close=True, ami_connected=True, channel_online=True, power_status="connected",
                       power_status_since=OPENED, auto_reconnect=True)
        session.add(row)
        session.flush()
        return row.id


def pay(services: Services, customer_id: int, paid_at: datetime, owed_after: int, received_at: datetime) -> None:
    with services.db.transaction() as session:
        session.add(Payment(payment_id=f"P{next(_ids)}", customer_id=customer_id, amount_cents=100, paid_at=paid_at,
                            received_at=received_at, owed_after_cents=owed_after))


def open_order(session: Session, customer_id: int, opened: datetime, **columns: Any) -> None:
    """An order opened as the patrol opens one (keeping the payment that cleared the arrears), then
    given ``columns`` as its steps keep them (issue 14 item 8)."""
    order_rows.open_order(session.connection(), customer_id, "payment", opened)
    session.execute(update(Reconnection).where(Reconnection.customer_id == customer_id,
                                               Reconnection.status == OrderStatus.OPEN).values(**columns))


def remote(services: Services, customer_id: int, restored: datetime, opened: datetime = OPENED) -> None:
    """An automatic order reconnected on its first send, power back at ``restored``."""
    instance = next(_ids)
    with services.db.transaction() as session:
        open_order(session, customer_id, opened, instance_id=instance, status="closed",
                   auto_order_no=f"1{instance:07d}", closed_at=restored + timedelta(seconds=30),
                   outcome="reconnected_remote", sends=1, reconnected_at=restored)
        session.add(MeterCommand(command_id=f"HES-{instance}", customer_id=customer_id, meter_address="x",
                                 action="direct_close", status="executed", instance_id=instance, created_at=opened,
                                 deadline=opened + timedelta(minutes=30), executed_at=restored, relay="closed"))


def reports(services: Services, start: date, end: date, segment: str | None = None) -> Reports:
    with services.db.reading() as session:
        return build_reports(session, ReportPeriod(start, end, segment))


def test_issue5_median_and_p95_are_nearest_rank(backend_services: Services) -> None:
    """21 cases of 1..20 hours and one of 30: the median is the 11th (11 h), p95 the ⌈19.95⌉ = 20th
    (20 h); the one of 30 h is the only case over 24 h."""
    for hours in [*range(1, 21), 30]:
        who = customer(backend_services)
        pay(backend_services, who, OPENED, 0, OPENED)
        remote(backend_services, who, OPENED + timedelta(hours=hours))
    payment = reports(backend_services, date(2026, 3, 1), date(2026, 3, 3)).payment
    assert (payment.count, payment.median_hours, payment.p95_hours) == (21, 11.0, 20.0)
    assert [case.hours for case in payment.over] == [30.0]


def test_issue5_days_are_beijing_days(backend_services: Services) -> None:
    """15:59:59 UTC is 23:59:59 the same day in Beijing; 16:00 UTC is the next day."""
    for restored in (datetime(2026, 3, 1, 15, 59, 59, tzinfo=UTC), datetime(2026, 3, 1, 16, 0, tzinfo=UTC)):
        remote(backend_services, customer(backend_services), restored)
    found = reports(backend_services, date(2026, 3, 1), date(2026, 3, 2))
    assert [(row.day, row.reconnected_remote) for row in found.per_day] == [(date(2026, 3, 1), 1),
                                                                            (date(2026, 3, 2), 1)]
    assert reports(backend_services, date(2026, 3, 2), date(2026, 3, 2)).total.reconnected_remote == 1


def test_issue5_the_payment_is_the_latest_that_cleared_the_arrears_before_the_order(backend_services: Services) -> None:
    who = customer(backend_services)
    pay(backend_services, who, OPENED - timedelta(hours=9), 5_000, OPENED - timedelta(hours=9))  # still owes
    pay(backend_services, who, OPENED - timedelta(hours=6), 0, OPENED - timedelta(hours=5))  # cleared: this one
    pay(backend_services, who, OPENED + timedelta(hours=1), -100, OPENED + timedelta(hours=1))  # after the order
    remote(backend_services, who, OPENED + timedelta(hours=2))
    remote(backend_services, customer(backend_services), OPENED + timedelta(hours=2))  # never paid
    payment = reports(backend_services, date(2026, 3, 1), date(2026, 3, 1)).payment
    with backend_services.db.reading() as session:
        found = list(payment_cases(session, ReportPeriod(date(2026, 3, 1), date(2026, 3, 1))))
    assert [(case.paid_at, case.hours) for case in found] == [(OPENED - timedelta(hours=6), 8.0)]
    assert payment.buckets == [0, 0, 1, 0, 0]  # 8 h: the 6–12 h bucket
    assert payment.without_payment == 1


def test_issue5_segment_is_the_customers_when_the_process_recorded_none(backend_services: Services) -> None:
    remote(backend_services, customer(backend_services, "S07"), OPENED + timedelta(hours=1))
    remote(backend_services, customer(backend_services, "S08"), OPENED + timedelta(hours=1))
    found = reports(backend_services, date(2026, 3, 1), date(2026, 3, 1), "S07")
    assert [(row.segment, row.reconnected_remote) for row in found.daily] == [("S07", 1)]
    assert found.first_attempt_total.concluded == 1 and found.first_attempt_total.rate == 1.0
