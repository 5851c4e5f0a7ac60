"""The strict field readers of the machine APIs (issue 10 items 2, 3, 5 and 19), at their edges."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from app.usecases.inbound_fields import CLOCK_SKEW, OLDEST, FieldError, identifier, instant, money_cents, required, text

NOW = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)
MOST = Decimal("100000000")


@pytest.mark.parametrize(("amount", "cents"), [
    ("0.01", 1), ("88.5", 8_850), ("88.50", 8_850), (88.5, 8_850), (12, 1_200), ("100000000", 10_000_000_000),
    (100_000_000.0, 10_000_000_000), ("007", 700),
])
def test_amounts_billing_means_are_read_exactly(amount: Any, cents: int) -> None:
    assert money_cents({"amount": amount}, "amount", MOST) == cents


@pytest.mark.parametrize("amount", [
    0.1 + 0.2, 1e-7, 1e30, 10**40, float("inf"), float("nan"), "100000000.01", 100_000_000.01, "1.234", "-1", "1e2",
    "１", "1_0", "", " 1", True, None, [1], 0, "0.00",
])
def test_anything_else_is_refused_naming_the_amount(amount: Any) -> None:
    with pytest.raises(FieldError) as refused:
        money_cents({"amount": amount}, "amount", MOST)
    assert str(refused.value).startswith("amount ") and refused.value.field == "amount"


@pytest.mark.parametrize(("written", "taken"), [
    ((NOW + CLOCK_SKEW).isoformat(), True),
    ((NOW + CLOCK_SKEW + timedelta(seconds=1)).isoformat(), False),
    ((NOW - OLDEST).isoformat(), True),
    ((NOW - OLDEST - timedelta(seconds=1)).isoformat(), False),
    ("2026-03-02T01:00:00Z", True),
    ("2026-03-02 09:00:00.123456+08:00", True),
    ("2026-03-02T09:00+08:00", True),
    ("2026-03-02T09:00:00.1234567+08:00", False),
    ("2026-03-02T09:00:00+0800", False),
    ("2026-03-02T09:00:00", False),
    ("0001-01-01T00:00:00+14:00", False),
    ("9999-12-31T23:59:59-14:00", False),
])
def test_a_time_is_iso_8601_with_a_zone_within_its_window(written: str, taken: bool) -> None:
    if taken:
        assert instant({"at": written}, "at", NOW) == datetime.fromisoformat(written)
    else:
        with pytest.raises(FieldError, match=r"^at "):
            instant({"at": written}, "at", NOW)


def test_ids_and_text() -> None:
    assert identifier({"id": "B-1"}, "id", 64) == "B-1"
    for bad in ("", " B-1", "B\x001", "B\ud8001", "B" * 65, 7):
        with pytest.raises(FieldError, match=r"^id "):
            identifier({"id": bad}, "id", 64)
    assert text({"error": "no answer\n\tat all"}, "error", 100) == "no answer\n\tat all"
    assert text({}, "error", 100) is None
    for bad in ("a\x00", "\ud800", "x" * 101, 3):
        with pytest.raises(FieldError, match=r"^error "):
            text({"error": bad}, "error", 100)


def test_every_missing_field_is_named() -> None:
    with pytest.raises(FieldError, match=r"^b is required; c is required$"):
        required({"a": 1, "b": None, "c": ""}, ("a", "b", "c"))


def test_a_huge_value_is_quoted_short_in_its_refusal() -> None:
    """An error is recorded in the history and sent back: it quotes what was sent, never all of it."""
    with pytest.raises(FieldError) as refused:
        money_cents({"amount": "9" * 1_000_000}, "amount", MOST)
    assert len(str(refused.value)) < 300
