"""The restoration clock's rules (issue 16 item 3): where the clock starts, and the policy's hours."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from app.rules.restoration_clock import Clock, clock_start, hours_between

OPENED = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)
PAID = OPENED - timedelta(minutes=40)


def test_a_payment_starts_the_clock_when_the_customer_paid_the_patrol_when_it_found_them() -> None:
    assert clock_start("payment", OPENED, PAID) == PAID
    assert clock_start("trip_result", OPENED, PAID) == PAID  # the paid-up customer waited on a trip
    assert clock_start("patrol", OPENED, PAID) == OPENED
    assert clock_start("payment", OPENED, None) == OPENED
    assert clock_start("payment", OPENED, OPENED + timedelta(minutes=5)) == OPENED  # never after the order


def test_the_clock_escalates_and_falls_due_after_the_policys_hours() -> None:
    clock = Clock.of(PAID, 24, 12)
    assert (clock.escalate_at - PAID, clock.due_at - PAID) == (timedelta(hours=12), timedelta(hours=24))


@pytest.mark.parametrize(("sla", "escalate"), [(0, 0), (24, 30), (24, -1)])
def test_hours_that_make_no_sense_are_refused(sla: float, escalate: float) -> None:
    with pytest.raises(ValueError, match="restoration policy"):
        Clock.of(PAID, sla, escalate)


def test_hours_between_is_signed_to_one_decimal() -> None:
    assert hours_between(OPENED, OPENED + timedelta(minutes=90)) == 1.5
    assert hours_between(OPENED + timedelta(minutes=12), OPENED) == -0.2
