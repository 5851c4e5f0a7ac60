"""Delivery receipts read from SMPP 3.4 deliver_sm texts and TLVs, and the state of an SMS from its parts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from app.rules.sms_delivery import NotAReceipt, PartFact, parse_receipt, sms_state

T0 = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)
TEXT = "id:0A1B2C sub:001 dlvrd:000 submit date:2603020900 done date:2603020901 stat:UNDELIV err:001 text:尊敬的"


def test_a_receipt_text_gives_the_id_the_state_and_the_error() -> None:
    receipt = parse_receipt(TEXT)
    assert (receipt.message_id, receipt.stat, receipt.err, receipt.outcome) == ("0A1B2C", "UNDELIV", "001", "failed")
    assert parse_receipt("id:7 stat:DELIVRD").outcome == "delivered"
    assert parse_receipt("id:7 stat:ENROUTE").outcome is None  # not final


def test_the_tlvs_win_over_the_text() -> None:
    receipt = parse_receipt(TEXT, tlv_message_id="99", tlv_state=2)
    assert (receipt.message_id, receipt.stat, receipt.outcome) == ("99", "DELIVRD", "delivered")


def test_a_deliver_sm_without_a_message_id_is_not_a_receipt() -> None:
    with pytest.raises(NotAReceipt):
        parse_receipt("hello, this is a customer's reply")


def part(status: str, minutes: int = 0, error: str | None = None) -> PartFact:
    done = T0 + timedelta(minutes=minutes) if status in ("delivered", "failed") else None
    return PartFact(status, T0, done, error)


def test_an_sms_is_delivered_once_every_part_is_and_failed_or_refused_by_any() -> None:
    assert sms_state("pending", []).state == "queued"
    assert sms_state("sent", []).state == "handed_over"  # log-only: no parts known
    assert sms_state("dead", []).state == "dead"
    assert sms_state("sent", [part("delivered", 1), part("submitted")]).state == "submitted"
    delivered = sms_state("sent", [part("delivered", 1), part("delivered", 2)])
    assert (delivered.state, delivered.submitted_at, delivered.done_at) == ("delivered", T0, T0 + timedelta(minutes=2))
    failed = sms_state("sent", [part("delivered", 1), part("failed", 3, "UNDELIV")])
    assert (failed.state, failed.done_at, failed.reason) == ("failed", T0 + timedelta(minutes=3), "UNDELIV")
    refused = sms_state("sent", [part("submitted"), part("refused", error="0x0000000B")])
    assert (refused.state, refused.done_at, refused.reason) == ("refused", T0, "0x0000000B")
