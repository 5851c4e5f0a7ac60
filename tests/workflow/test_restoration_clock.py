"""The restoration clock (issue 16 item 3) on the real reconnect.bpmn, the simulated head-end and
a travelling clock, on SQLite and PostgreSQL: a reconnection stuck on failed sends escalates to a
supervisor at 12 h and shows as breached at 24 h; one done in time is met."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from app.audit.reports.breaches import restoration_breaches
from app.audit.reports.period import ReportPeriod
from app.runtime.actors import Actor
from app.runtime.forms import FormInvalid
from app.usecases.payments import record_payment
from app.usecases.reconnections import run_patrol
from app.usecases.restoration_clocks import clocks
from storage.domain_models import Reconnection
from storage.models import HistoryEvent, UserTask
from tests.utility import Utility, backend_utility, seed_customer

__all__ = ["backend_utility"]

SUPERVISOR = Actor("sam-supervisor", frozenset({"approver"}))
EXECUTOR = Actor("erin", frozenset({"executor"}))


def order(u: Utility, number: str) -> Reconnection:
    with u.services.db.reading() as session:
        return session.execute(select(Reconnection).where(Reconnection.customer_id == u.customer(number).id)
                               .order_by(Reconnection.id.desc()).limit(1)).scalar_one()


def open_tasks(u: Utility, instance_id: int | None) -> dict[str, UserTask]:
    with u.services.db.reading() as session:
        rows = session.execute(select(UserTask).where(UserTask.instance_id == instance_id)).scalars()
        return {row.element_id: row for row in rows}


def clock_state(u: Utility, number: str) -> tuple[str, float]:
    with u.services.db.reading() as session:
        view = clocks(session, u.services.clock.now())
    [line] = [line for line in view.open + view.closed if line.row.customer_number == number]
    return line.state, line.hours_left


def pay_off(u: Utility, number: str, paid_minutes_ago: int = 0) -> None:
    paid_at = u.services.clock.now() - timedelta(minutes=paid_minutes_ago)
    outcome = record_payment(u.services.runtime, {"payment_id": f"P-{number}", "customer_number": number,
                                                  "amount": "100.00", "paid_at": paid_at.isoformat()})
    assert outcome["reconnection_instance"] is not None


def test_issue_16_item_3_stuck_on_failed_sends_escalates_at_12_h_and_is_breached_at_24_h(
        backend_utility: Utility) -> None:
    u = backend_utility
    seed_customer(u.services, "3400000031", owed_cents=10_000)
    u.headend.set_behaviour(u.customer("3400000031").meter_address, "fails")
    pay_off(u, "3400000031", paid_minutes_ago=30)  # the clock runs from the payment, not from its arrival
    started = order(u, "3400000031")
    assert started.clock_started_at == u.services.clock.now() - timedelta(minutes=30)
    assert started.due_at == started.clock_started_at + timedelta(hours=24)

    u.advance(timedelta(hours=11, minutes=20), step=timedelta(minutes=10))  # 11 h 50 min after paying
    assert order(u, "3400000031").manual_order_no is not None  # three failed sends: on site now
    assert set(open_tasks(u, started.instance_id)) == {"on_site"}
    assert clock_state(u, "3400000031") == ("running", 12.2)

    u.advance(timedelta(minutes=20), step=timedelta(minutes=2))  # 12 h 10 min after paying
    tasks = open_tasks(u, started.instance_id)
    assert set(tasks) == {"on_site", "supervisor_review"}  # not interrupting: the on-site work goes on
    review = tasks["supervisor_review"]
    assert review.lane == "approver"
    escalated = order(u, "3400000031").escalated_at
    assert escalated is not None and timedelta(hours=12) < escalated - started.clock_started_at <= timedelta(
        hours=12, minutes=2)
    assert clock_state(u, "3400000031")[0] == "escalated"

    with pytest.raises(FormInvalid) as refused:
        u.services.runtime.complete_task(review.id, {"supervisor_note": "  "}, SUPERVISOR)
    assert "supervisor_note" in refused.value.errors
    u.services.runtime.complete_task(review.id, {"supervisor_note": "sending a second crew"}, SUPERVISOR)
    assert set(open_tasks(u, started.instance_id)) == {"on_site"}
    with u.services.db.reading() as session:
        acknowledged = session.execute(select(HistoryEvent).where(
            HistoryEvent.instance_id == started.instance_id, HistoryEvent.type == "task.completed",
            HistoryEvent.element_id == "supervisor_review")).scalar_one()
    assert acknowledged.actor == "sam-supervisor"
    assert acknowledged.data["data"]["supervisor_note"] == "sending a second crew"
    assert acknowledged.data["data"]["acknowledged_by"] == "sam-supervisor"

    u.advance(timedelta(hours=12), step=timedelta(minutes=30))  # 24 h 10 min after paying
    state, left = clock_state(u, "3400000031")
    assert (state, left) == ("breached", -0.2)

    on_site = open_tasks(u, started.instance_id)["on_site"]
    now = u.services.clock.now()
    u.services.runtime.complete_task(on_site.id, {"reconnected_at": now.isoformat(), "note": "fuse"}, EXECUTOR)
    u.run()
    closed = order(u, "3400000031")
    assert (closed.status, closed.clock_outcome) == ("closed", "breached")
    assert clock_state(u, "3400000031")[0] == "breached"
    assert breaches(u) == ([("S01", 1, 0, 1)], [("2026-03", 1, 0, 1)])


def breaches(u: Utility) -> tuple[list[tuple[str, int, int, int]], list[tuple[str, int, int, int]]]:
    """The reports' breaches (segment or month, clocks due, met, breached) for March 2026."""
    with u.services.db.reading() as session:
        found = restoration_breaches(session, ReportPeriod(date(2026, 3, 1), date(2026, 3, 31), None),
                                     u.services.clock.now())
    return ([(row.key, row.due, row.met, row.breached) for row in found.per_segment],
            [(row.key, row.due, row.met, row.breached) for row in found.per_month])


def test_issue_16_item_3_an_open_clock_past_due_counts_as_breached_in_the_reports(utility: Utility) -> None:
    seed_customer(utility.services, "3400000034", auto_reconnect=False)
    run_patrol(utility.services.runtime)
    utility.advance(timedelta(hours=23, minutes=50), step=timedelta(hours=1))
    assert breaches(utility) == ([("S01", 1, 0, 0)], [("2026-03", 1, 0, 0)])  # open, not yet due: neither
    utility.advance(timedelta(minutes=20), step=timedelta(minutes=10))
    assert breaches(utility) == ([("S01", 1, 0, 1)], [("2026-03", 1, 0, 1)])


def test_issue_16_item_3_a_remote_reconnection_in_minutes_meets_its_clock_unescalated(
        backend_utility: Utility) -> None:
    u = backend_utility
    seed_customer(u.services, "3400000032")
    run_patrol(u.services.runtime)  # the patrol's discovery starts the clock
    started = order(u, "3400000032")
    assert (started.trigger, started.clock_started_at) == ("patrol", started.opened_at)
    u.advance(timedelta(minutes=3))
    closed = order(u, "3400000032")
    assert (closed.status, closed.clock_outcome, closed.escalated_at) == ("closed", "met", None)
    assert clock_state(u, "3400000032")[0] == "met"
    assert breaches(u) == ([("S01", 1, 1, 0)], [("2026-03", 1, 1, 0)])


def test_issue_16_item_3_a_non_household_has_48_h_and_is_escalated_at_24_h(utility: Utility) -> None:
    seed_customer(utility.services, "3400000033", customer_class="non_household", auto_reconnect=False)
    run_patrol(utility.services.runtime)
    started = order(utility, "3400000033")
    assert started.due_at == started.clock_started_at + timedelta(hours=48)
    utility.advance(timedelta(hours=23, minutes=50), step=timedelta(hours=1))
    assert set(open_tasks(utility, started.instance_id)) == {"on_site"}
    utility.advance(timedelta(minutes=20), step=timedelta(minutes=5))
    assert set(open_tasks(utility, started.instance_id)) == {"on_site", "supervisor_review"}
