"""Issue 16 item 5: a reversed payment (a bounced transfer) comes from billing as its own message,
``POST /api/payments/reversals``: the debt returns, nothing is cut or cancelled because of it,
and the customer is back on the normal disconnection path. SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from storage.domain_models import Payment, Reconnection
from storage.models import HistoryEvent
from tests.utility import Utility, seed_customer, travelling_utility
from tests.workflow.test_disconnect import apply_and_approve, children, commands, issue, owing

AUTH = {"Authorization": "Bearer bill-token"}
NUMBER = "3400000011"
OVERDUE = date(2026, 1, 10)


@pytest.fixture
def utility(database_url: str, tmp_path: Path) -> Iterator[Utility]:
    """The utility on SQLite and PostgreSQL (every case it made replays: ``replay_every_case``)."""
    yield from travelling_utility(database_url, tmp_path)


def post(u: Utility, url: str, body: Any) -> Any:
    return u.app.test_client().post(url, json=body, headers=AUTH)


def pay(u: Utility, payment_id: str = "P-11", amount: str = "320.00") -> Any:
    return post(u, "/api/payments", {"payment_id": payment_id, "customer_number": NUMBER, "amount": amount,
                                     "paid_at": u.services.clock.now().isoformat()})


def reverse(u: Utility, payment_id: str = "P-11", number: str = NUMBER, reason: str = "transfer bounced") -> Any:
    return post(u, "/api/payments/reversals", {"payment_id": payment_id, "customer_number": number,
                                               "reversed_at": u.services.clock.now().isoformat(), "reason": reason})


def payment_events(u: Utility) -> list[HistoryEvent]:
    with u.services.db.reading() as session:
        return list(session.execute(select(HistoryEvent).where(HistoryEvent.stream == "payments")
                                    .order_by(HistoryEvent.seq)).scalars())


def test_issue16_a_reversal_brings_the_debt_back_once_and_cuts_nothing(utility: Utility) -> None:
    """The payment that cleared a disconnected customer's debt started their reconnection; the
    reversal gives the debt and the overdue date back, applied once however often it is sent,
    and the reconnection already under way finishes: restored supply is not taken back without
    the disconnection path's notices."""
    u = utility
    seed_customer(u.services, NUMBER, owed_cents=32_000, overdue_since=OVERDUE)  # disconnected, flagged
    assert pay(u).json["reconnection_instance"] is not None
    u.advance(timedelta(minutes=1))
    first = reverse(u)
    assert first.status_code == 200, first.json
    assert first.json == {"payment_id": "P-11", "duplicate": False, "owed_cents": 32_000,
                          "overdue_since": OVERDUE.isoformat()}
    again = reverse(u, reason="sent twice by billing")
    assert again.status_code == 200 and again.json == {"payment_id": "P-11", "duplicate": True}
    customer = u.customer(NUMBER)
    assert (customer.owed_cents, customer.overdue_since) == (32_000, OVERDUE)
    u.advance(timedelta(minutes=5))
    assert u.customer(NUMBER).power_status == "connected"  # the reconnection under way finished
    assert [c.action for c in commands(u)] == ["direct_close"]  # and nothing was tripped
    with u.services.db.reading() as session:
        payment = session.execute(select(Payment)).scalar_one()
        order = session.execute(select(Reconnection)).scalar_one()
    assert payment.reversal_reason == "transfer bounced" and payment.reversed_at is not None
    assert order.status == "closed"
    kinds = [e.type for e in payment_events(u)]
    assert kinds == ["payment.received", "payment.reversed", "payment.reversal_duplicate"]
    reversed_event = payment_events(u)[1]
    assert reversed_event.actor == "system:billing"
    assert (reversed_event.data["old"], reversed_event.data["new"]) == (0, 32_000)
    assert reversed_event.data["overdue_since"] == [None, OVERDUE.isoformat()]


def test_issue16_a_reversal_of_a_payment_never_received_is_refused_clearly(utility: Utility) -> None:
    u = utility
    seed_customer(u.services, NUMBER, owed_cents=32_000, overdue_since=OVERDUE)
    unknown = reverse(u, payment_id="P-404")
    assert unknown.status_code == 404
    assert unknown.json["error"] == "payment_id: no payment 'P-404' was received, so there is nothing to reverse"
    pay(u)
    other = reverse(u, number="3400000012")
    assert other.status_code == 409 and "received for customer '3400000011'" in other.json["error"]
    missing = post(u, "/api/payments/reversals", {"payment_id": "P-11", "customer_number": NUMBER,
                                                   "reversed_at": u.services.clock.now().isoformat()})
    assert missing.status_code == 400 and missing.json["errors"] == {"reason": "reason is required"}
    blank = reverse(u, reason="   ")
    assert blank.status_code == 400 and blank.json["error"] == "reason is required"
    assert u.app.test_client().post("/api/payments/reversals", json={}).status_code == 401
    assert u.customer(NUMBER).owed_cents == 0  # the payment stands
    assert [e.type for e in payment_events(u)] == [
        "payment.reversal_rejected", "payment.received", *["payment.reversal_rejected"] * 3]


def test_issue16_a_batch_of_reversals_takes_each_alone(utility: Utility) -> None:
    u = utility
    seed_customer(u.services, NUMBER, owed_cents=10_000, overdue_since=OVERDUE, power_status="connected")
    pay(u, "P-1", "40.00")  # partial: still owing, still overdue
    now = u.services.clock.now().isoformat()
    answer = post(u, "/api/payments/reversals", [
        {"payment_id": "P-1", "customer_number": NUMBER, "reversed_at": now, "reason": "R01"},
        {"payment_id": "P-2", "customer_number": NUMBER, "reversed_at": now, "reason": "R01"}])
    assert answer.status_code == 200
    assert [item["ok"] for item in answer.json] == [True, False] and answer.json[1]["status"] == 404
    assert answer.json[0]["owed_cents"] == 10_000 and u.customer(NUMBER).overdue_since == OVERDUE


def test_issue16_after_a_reversal_the_customer_is_back_on_the_normal_disconnection_path(utility: Utility) -> None:
    """The payment cancelled the queued trip; its reversal starts no cut by itself, and a new
    application for the customer goes the whole way (M4), its trip no longer taken back."""
    u = utility
    owing(u, NUMBER)
    first_batch = apply_and_approve(u, [NUMBER])
    issue(u)
    assert pay(u).json["cancelled_commands"]
    u.advance(timedelta(minutes=2))
    assert reverse(u).status_code == 200
    u.advance(timedelta(minutes=30))
    [first] = children(u, first_batch)
    assert first.result["outcome"] == "cancelled_paid"
    assert [c.status for c in commands(u)] == ["cancelled"]  # nothing new: no automatic cut
    assert u.customer(NUMBER).power_status == "connected"
    second_batch = apply_and_approve(u, [NUMBER])
    issue(u)
    u.advance(timedelta(minutes=2))
    [second] = children(u, second_batch)
    assert second.result["outcome"] == "disconnected"
    assert u.customer(NUMBER).power_status == "disconnected"
