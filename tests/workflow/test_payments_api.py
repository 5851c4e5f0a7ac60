"""POST /api/payments: token-authenticated, validated, idempotent by payment id."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from app.runtime.steps.grouping import GroupCap
from storage.models import HistoryEvent
from tests.utility import NOW, Utility, seed_customer

AUTH = {"Authorization": "Bearer bill-token"}


def pay(utility: Utility, body: Any, headers: dict[str, str] | None = None) -> Any:
    return utility.app.test_client().post("/api/payments", json=body, headers=AUTH if headers is None else headers)


def payment(**overrides: Any) -> dict[str, Any]:
    return {"payment_id": "B-20260302-0001", "customer_number": "3400000021", "amount": "88.50",
            "paid_at": "2026-03-02T08:55:00+08:00", **overrides}  # 5 minutes ago


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
    """Issue 14 item 1: a batch is taken in one group, each item in its own savepoint; the bad item's
    refusal is recorded in the same group and the good ones commit with it."""
    seed_customer(utility.services, "3400000021", owed_cents=10_000)
    utility.services.runtime.group_cap = GroupCap(steps=50, millis=600_000)  # counted, never timed
    groups = utility.services.runtime.group_stats.groups
    answer = pay(utility, [payment(payment_id="B-1", amount="10"), payment(payment_id="B-2", amount="x"),
                           payment(payment_id="B-3", amount="20")])
    assert [(item["ok"], item.get("status")) for item in answer.json] == [(True, None), (False, 400), (True, None)]
    assert utility.customer("3400000021").owed_cents == 7_000
    assert utility.services.runtime.group_stats.groups == groups + 1
    with utility.services.db.reading() as session:
        kinds = session.execute(select(HistoryEvent.type).where(HistoryEvent.stream == "payments")
                                .order_by(HistoryEvent.seq)).scalars().all()
    assert kinds == ["payment.received", "payment.rejected", "payment.received"]


def test_amounts_that_are_not_money_and_overlong_ids_are_refused(utility: Utility) -> None:
    seed_customer(utility.services, "3400000021", owed_cents=100)
    for body in (payment(amount="NaN"), payment(amount="Infinity"), payment(amount="1e20"),
                 payment(payment_id="P" * 65)):
        answer = pay(utility, body)
        assert answer.status_code == 400, body
    assert utility.customer("3400000021").owed_cents == 100


# --- issue 10: what billing did not mean is refused, naming the field ----------------------------

def refused(utility: Utility, body: Any, status: int = 400) -> str:
    """The error of a refused payment (which changed nothing)."""
    answer = pay(utility, body)
    assert answer.status_code == status, (body, answer.status_code, answer.json)
    return str(answer.json["error"])


@pytest.mark.parametrize("amount", [1e30, 10**40, 1e20, 100_000_000.01], ids=["1e30", "10**40", "1e20", "max+0.01"])
def test_an_amount_over_the_maximum_is_a_400_naming_the_field_and_the_limit(utility: Utility, amount: Any) -> None:
    """Issue 10 item 2: 1e30 and 10**40 were a 500 (quantize raised before the maximum was checked)."""
    seed_customer(utility.services, "3400000021", owed_cents=100)
    error = refused(utility, payment(amount=amount))
    assert "amount" in error and "100000000 yuan" in error
    items = pay(utility, [payment(payment_id="B-1", amount=amount), payment(payment_id="B-2", amount="1")]).json
    assert [(item["ok"], item.get("status")) for item in items] == [(False, 400), (True, None)]
    assert "amount" in items[0]["error"] and "100000000 yuan" in items[0]["error"]
    assert utility.customer("3400000021").owed_cents == 0


def test_the_largest_payment_is_taken(utility: Utility) -> None:
    seed_customer(utility.services, "3400000021", owed_cents=100)
    assert pay(utility, payment(amount=100_000_000)).status_code == 200
    assert pay(utility, payment(payment_id="B-2", amount="99999999.99")).status_code == 200


@pytest.mark.parametrize(("paid_at", "taken"), [
    ("2099-01-01T00:00:00+08:00", False),
    ((NOW + timedelta(minutes=6)).isoformat(), False),
    ((NOW + timedelta(minutes=4)).isoformat(), True),   # within the clock-skew allowance
    ((NOW - timedelta(days=89)).isoformat(), True),
    ((NOW - timedelta(days=91)).isoformat(), False),
    ("1970-01-01T00:00:00Z", False),
], ids=["2099", "6 min ahead", "4 min ahead", "89 days ago", "91 days ago", "epoch"])
def test_a_payment_time_in_the_future_or_long_past_is_refused(utility: Utility, paid_at: str, taken: bool) -> None:
    """Issue 10 item 3: paid_at 2099 was accepted and changed the debt."""
    seed_customer(utility.services, "3400000021", owed_cents=10_000)
    answer = pay(utility, payment(paid_at=paid_at, amount="1"))
    assert answer.status_code == (200 if taken else 400), answer.json
    if not taken:
        assert "paid_at" in answer.json["error"]
    assert utility.customer("3400000021").owed_cents == (9_900 if taken else 10_000)


@pytest.mark.parametrize("amount", ["1_000", "１２３", "١٢٣", "1e2", " 12", "+12", "12.", ".5", "0x10", "12,00",
                                    True, [12], {"yuan": 12}, "0", 0, -3, 0.001])
def test_an_amount_billing_did_not_mean_is_refused(utility: Utility, amount: Any) -> None:
    """Issue 10 item 5: "1_000" became 1,000 yuan, full-width and Arabic-Indic digits became 123.
    An amount is a JSON number or a plain decimal string with at most two decimals."""
    seed_customer(utility.services, "3400000021", owed_cents=100_000)
    assert "amount" in refused(utility, payment(amount=amount))
    assert utility.customer("3400000021").owed_cents == 100_000


@pytest.mark.parametrize("paid_at", ["9999-12-31T00:00:00+08:00", "0001-01-01T00:00:00+14:00",
                                     "0001-01-01T00:00:00+08:00", "２０２６-03-02T08:55:00+08:00",
                                     "2026-03-02T08:55:00+08:00 ", "2026-03-02", "20260302T085500+0800",
                                     "2026-03-02T08:55:00+08", "2026-W10-1T08:55:00+08:00", 1772412900])
def test_a_payment_time_billing_did_not_mean_is_refused(utility: Utility, paid_at: Any) -> None:
    """Issue 10 item 5: paid_at in year 9999 and year 0001 were taken (and 0001 at +14:00 was a
    500: overflow converting to UTC). A time is ISO 8601 with a zone, in ASCII."""
    seed_customer(utility.services, "3400000021", owed_cents=100)
    assert "paid_at" in refused(utility, payment(paid_at=paid_at))
    assert utility.customer("3400000021").owed_cents == 100


@pytest.mark.parametrize("field", ["payment_id", "customer_number"])
@pytest.mark.parametrize("value", [12345, True, "a\x00b", "\ud800", " 3400000021", "3400000021\n"])
def test_ids_are_plain_strings(utility: Utility, field: str, value: Any) -> None:
    """Issue 10 items 5 and 19: an id is a string of printable characters (a number, a NUL, a lone
    surrogate or stray whitespace is not what billing meant)."""
    seed_customer(utility.services, "3400000021", owed_cents=100)
    assert field in refused(utility, payment(**{field: value}))
    assert utility.customer("3400000021").owed_cents == 100


# --- issue 10 item 4: the same payment id again must be the same payment ---------------------------

def test_an_exact_resend_is_a_duplicate_even_in_another_time_zone(utility: Utility) -> None:
    seed_customer(utility.services, "3400000021", owed_cents=10_000)
    assert pay(utility, payment(amount="88.50")).status_code == 200
    for resend in (payment(amount="88.50"), payment(amount=88.5), payment(paid_at="2026-03-02T00:55:00Z")):
        answer = pay(utility, resend)
        assert (answer.status_code, answer.json) == (200, {"payment_id": "B-20260302-0001", "duplicate": True})
    assert utility.customer("3400000021").owed_cents == 1_150


@pytest.mark.parametrize(("changes", "named"), [
    ({"amount": "10.00"}, ["amount"]),
    ({"customer_number": "3400000022"}, ["customer_number"]),
    ({"customer_number": "3400000022", "amount": "10.00"}, ["amount", "customer_number"]),
    ({"paid_at": "2026-03-02T08:56:00+08:00"}, ["paid_at"]),
], ids=["amount", "customer", "both", "paid_at"])
def test_a_resend_that_differs_is_a_409_naming_the_differing_fields(utility: Utility, changes: dict[str, Any],
                                                                    named: list[str]) -> None:
    """Issue 10 item 4: another amount or another customer under the same payment id answered
    200 {"duplicate": true}; billing was never told its two records disagree."""
    seed_customer(utility.services, "3400000021", owed_cents=10_000)
    seed_customer(utility.services, "3400000022", owed_cents=10_000)
    assert pay(utility, payment()).status_code == 200
    answer = pay(utility, payment(**changes))
    assert answer.status_code == 409, answer.json
    error = answer.json["error"]
    assert "B-20260302-0001" in error
    assert [field for field in ("amount", "customer_number", "paid_at") if field in error] == named
    assert (utility.customer("3400000021").owed_cents, utility.customer("3400000022").owed_cents) == (1_150, 10_000)
    batch = pay(utility, [payment(**changes), payment()]).json
    assert [(item["ok"], item.get("status"), item.get("duplicate")) for item in batch] == [
        (False, 409, None), (True, None, True)]
