"""Issue 14 item 8: the reports read columns the steps keep (``reconnections.sends``,
``reconnections.reconnected_at``, the ``disconnections`` record; the clearing payment kept when an
order opens, ``clearing_payment_id`` and ``paid_at``) and migrations 0017 and 0020 backfill them.
Over cases the real processes produced (``test_reports.reconnection_cases``), on SQLite and
PostgreSQL, the facts equal the ones computed the old way (``report_oracle``), before and after the
columns are rebuilt by the backfill; and the reports grouped by the database equal the per-order
walk over those facts (``report_walk``)."""

from __future__ import annotations

import importlib
from datetime import date, timedelta

from sqlalchemy import delete, select, update

from app.audit.reports import facts, payment
from app.audit.reports.period import ReportPeriod
from app.audit.reports.tables import build_reports
from storage.domain_models import Customer, Disconnection, Payment, Reconnection
from tests.utility import NOW
from tests.web import report_oracle, report_walk
from tests.web.conftest import Site
from tests.web.test_reports import cases  # noqa: F401  (the fixture)

PERIODS = (ReportPeriod(date(2026, 3, 2), date(2026, 3, 3)), ReportPeriod(date(2026, 3, 2), date(2026, 3, 3), "S02"),
           ReportPeriod(date(2026, 3, 3), date(2026, 3, 3)), ReportPeriod(date(2026, 3, 1), date(2026, 3, 1)))
backfill = importlib.import_module("storage.migrations.versions.0017_report_columns")
payment_backfill = importlib.import_module("storage.migrations.versions.0021_clearing_payment")


def by_id(fact: facts.ReconnectionFact) -> int:
    return fact.id


def by_instance(fact: facts.Disconnection) -> int:
    return fact.instance_id


def assert_same_as_before(site: Site) -> None:
    with site.services.db.reading() as session:
        for period in PERIODS:
            # the row order is not part of the facts (PostgreSQL may return the two queries' rows differently)
            assert sorted(facts.reconnections(session, period), key=by_id) == sorted(
                report_oracle.reconnections(session, period), key=by_id), period
            assert sorted(facts.disconnections(session, period), key=by_instance) == sorted(
                report_oracle.disconnections(session, period), key=by_instance), period
            walked, cases = report_walk.reports(session, period)
            assert build_reports(session, period) == walked, period
            assert list(payment.cases(session, period)) == cases, period


def test_issue14_item8_the_steps_fill_the_columns(cases: Site) -> None:  # noqa: F811
    """The sends each order's instance recorded (B and D three, A one, C none), when power came
    back (A and B by their executed close, C and D at the reader's time) and E's disconnection."""
    with cases.services.db.reading() as session:
        rows = {number: (sends, at) for number, sends, at in session.execute(
            select(Customer.number, Reconnection.sends, Reconnection.reconnected_at)
            .join(Customer, Customer.id == Reconnection.customer_id))}
        cut = session.execute(select(Disconnection.customer_number, Disconnection.how)).all()
    assert {number: sends for number, (sends, _) in rows.items()} == {
        "3400000001": 1, "3400000002": 3, "3400000003": 0, "3400000004": 3}
    assert rows["3400000003"][1] == NOW + timedelta(hours=26)
    assert rows["3400000004"][1] == NOW + timedelta(hours=20)
    assert rows["3400000001"][1] is not None and rows["3400000002"][1] is not None
    assert [tuple(row) for row in cut] == [("3400000005", "remote")]
    assert_same_as_before(cases)


def test_issue14_item8_the_backfill_rebuilds_the_same_columns(cases: Site) -> None:  # noqa: F811
    """Columns emptied as before migration 0017, then filled by its backfill: the same facts."""
    with cases.services.db.transaction() as session:
        kept = session.execute(select(Reconnection.id, Reconnection.sends, Reconnection.reconnected_at)
                               .order_by(Reconnection.id)).all()
        session.execute(update(Reconnection).values(sends=0, reconnected_at=None))
        session.execute(delete(Disconnection))
    with cases.services.db.transaction() as session:
        backfill._backfill_orders(session.connection())
        backfill._backfill_disconnections(session.connection())
    with cases.services.db.reading() as session:
        assert session.execute(select(Reconnection.id, Reconnection.sends, Reconnection.reconnected_at)
                               .order_by(Reconnection.id)).all() == kept
        assert session.scalar(select(Disconnection.customer_number)) == "3400000005"
    assert_same_as_before(cases)


def test_issue14_item8_opening_an_order_keeps_the_payment_that_cleared_the_arrears(cases: Site) -> None:  # noqa: F811
    """Each customer's payment started their reconnection: the order keeps it and when it was paid."""
    with cases.services.db.reading() as session:
        kept = session.execute(select(Customer.number, Payment.payment_id, Reconnection.paid_at, Payment.paid_at)
                               .join(Customer, Customer.id == Reconnection.customer_id)
                               .join(Payment, Payment.id == Reconnection.clearing_payment_id)).all()
    assert sorted((number, payment_id) for number, payment_id, *_ in kept) == [
        (f"340000000{n}", f"P-340000000{n}") for n in range(1, 5)]
    assert all(kept_at == paid_at for *_, kept_at, paid_at in kept)
    assert_same_as_before(cases)


def test_issue14_item8_the_backfill_keeps_the_same_payments(cases: Site) -> None:  # noqa: F811
    """The clearing payments emptied as before migration 0020, then filled by its backfill: the same."""
    columns = (Reconnection.id, Reconnection.clearing_payment_id, Reconnection.paid_at)
    with cases.services.db.transaction() as session:
        kept = session.execute(select(*columns).order_by(Reconnection.id)).all()
        session.execute(update(Reconnection).values(clearing_payment_id=None, paid_at=None))
    with cases.services.db.transaction() as session:
        payment_backfill._backfill(session.connection())
    with cases.services.db.reading() as session:
        assert session.execute(select(*columns).order_by(Reconnection.id)).all() == kept
    assert_same_as_before(cases)
