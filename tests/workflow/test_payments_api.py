"""POST /api/payments: token-authenticated, validated, idempotent by payment id."""

from __future__ import annotations

from typing import Any

from tests.utility import Utility, seed_customer

AUTH = {"Authorization": "Bearer bill-token"}


def pay(utility: Utility, body: Any, headers: dict[str, str] | None = None) -> Any:
    return utility.app.test_client().post("/api/payments", json=body, headers=AUTH if headers is None else headers)


def payment(**overrides: Any) -> dict[str, Any]:
    return {"payment_id": "B-20260302-0001", "customer_number": "3400000021", "amount": "88.50",
            "paid_at": "2026-03-02T09:15:00+08:00", **overrides}


def test_a_payment_is_recorded_once_and_reconnects_a_paid_up_customer(utility: Utility) -> None:
    seed_customer(utility.services, "3400000021", owed_cents=8_850)
    first = pay(utility, payment())
    assert first.status_code == 200
    assert first.json["owed_cents"] == 0 and first.json["reconnection_instance"] is not None
    again = pay(utility, payment())
    assert (again.status_code, again.json) == (200, {"payment_id": "B-20260302-0001", "duplicate": True})
    assert utility.customer("3400000021").owed_cents == 0


def test_a_partial_payment_reduces_the_debt_and_reconnects_nobody(utility: Utility) -> None:
    seed_customer(utility.services, "3400000021", owed_cents=10_000)
    answer = pay(utility, payment(amount=30))
    assert (answer.json["owed_cents"], answer.json["reconnection_instance"]) == (7_000, None)


def test_the_billing_token_is_required(utility: Utility) -> None:
    seed_customer(utility.services, "3400000021", owed_cents=100)
    assert pay(utility, payment(), headers={}).status_code == 401
    assert pay(utility, payment(), headers={"Authorization": "Bearer hes-token"}).status_code == 401
    assert utility.customer("3400000021").owed_cents == 100


def test_bad_payments_get_a_clear_4xx_and_change_nothing(utility: Utility) -> None:
    seed_customer(utility.services, "3400000021", owed_cents=100)
    cases = [
        (payment(amount="-5"), 400, "must be positive"),
        (payment(amount="1.234"), 400, "at most 2 decimals"),
        (payment(paid_at="2026-03-02 09:15"), 400, "time zone"),
        (payment(customer_number="999"), 404, "no customer '999'"),
        ({"payment_id": "X"}, 400, "customer_number is required"),
    ]
    for body, status, message in cases:
        answer = pay(utility, body)
        assert answer.status_code == status, body
        assert message in answer.json["error"]
    assert pay(utility, "not json").status_code == 400
    assert utility.customer("3400000021").owed_cents == 100


def test_a_batch_goes_on_past_a_bad_item(utility: Utility) -> None:
    seed_customer(utility.services, "3400000021", owed_cents=10_000)
    answer = pay(utility, [payment(payment_id="B-1", amount="10"), payment(payment_id="B-2", amount="x"),
                           payment(payment_id="B-3", amount="20")])
    assert [(item["ok"], item.get("status")) for item in answer.json] == [(True, None), (False, 400), (True, None)]
    assert utility.customer("3400000021").owed_cents == 7_000


def test_amounts_that_are_not_money_and_overlong_ids_are_refused(utility: Utility) -> None:
    seed_customer(utility.services, "3400000021", owed_cents=100)
    for body in (payment(amount="NaN"), payment(amount="Infinity"), payment(amount="1e20"),
                 payment(payment_id="P" * 65)):
        answer = pay(utility, body)
        assert answer.status_code == 400, body
    assert utility.customer("3400000021").owed_cents == 100
