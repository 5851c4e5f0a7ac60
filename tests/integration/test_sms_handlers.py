"""The SMS operators against a real database, through a fake context that records sends."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy.orm import Session

from app.bootstrap import Services
from app.rules.sms import MissingPlaceholderError
from handlers.sms import DEFAULT_SIGNATURE, notify_customer, notify_reader
from storage.domain_models import Customer, Segment, SmsSubscription

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@dataclass
class FakeContext:
    """Stands in for ServiceContext: a session, the time, and the outbox sends it was asked for."""

    session: Session
    now: datetime = NOW
    sent: list[tuple[str, dict[str, Any], str | None]] = field(default_factory=list)

    def send(self, adapter: str, payload: dict[str, Any], *, key: str | None = None) -> str:
        self.sent.append((adapter, dict(payload), key))
        return f"1:task:{key}"


def _seed(session: Session, *, mobile: str | None = "+86 138-0013-8000", reader_mobile: str | None = "13900139000",
          subscriptions: tuple[str, ...] = ("disconnection", "reconnection")) -> None:
    session.add(Segment(code="S-01", name="洞山一段", reader_username="lee", reader_mobile=reader_mobile))
    session.flush()
    customer = Customer(
        number="3401234567", name="张建国", mobile=mobile, address="洞山中路12号", customer_class="household",
        voltage_class="low", segment_code="S-01", meter_address="000012345678", meter_protocol="dlt645-2007",
        relay_type="internal", can_direct_close=True, ami_connected=True, channel_online=True,
        channel_seen_at=NOW, power_status="disconnected", power_status_since=NOW, owed_cents=123456,
        overdue_since=None, last_reconnected_at=None,
    )
    session.add(customer)
    session.flush()
    session.add_all(SmsSubscription(customer_id=customer.id, notice_type=kind, subscribed_at=NOW)
                    for kind in subscriptions)
    session.flush()


@pytest.fixture
def session(backend_services: Services) -> Iterator[Session]:
    with backend_services.db.transaction() as session:
        yield session


def test_a_subscribed_customer_gets_the_disconnection_notice(session: Session) -> None:
    _seed(session)
    ctx = FakeContext(session)
    result = notify_customer(ctx, "3401234567", "disconnection_notice", {"date": "2026-03-05"})
    text = (f"【{DEFAULT_SIGNATURE}】尊敬的张建国（户号3401234567），"
            "您已欠电费1234.56元，将于2026-03-05停电，请尽快缴费。")
    assert result == {"sent": True, "to": "13800138000", "segments": 1}
    assert ctx.sent == [("sms", {"to": "13800138000", "text": text, "notice": "disconnection_notice",
                                 "segments": 1}, "sms:disconnection_notice:3401234567")]


def test_restoration_time_is_shown_in_beijing_time_and_the_signature_can_be_chosen(session: Session) -> None:
    _seed(session)
    ctx = FakeContext(session)
    notify_customer(ctx, "3401234567", "reconnected",
                    {"time": datetime(2026, 3, 2, 9, 30, tzinfo=UTC), "signature": "淮南供电"})
    text = ctx.sent[0][1]["text"]
    assert text.startswith("【淮南供电】")
    assert "2026-03-02 17:30" in text


def test_a_customer_who_did_not_subscribe_gets_nothing(session: Session) -> None:
    _seed(session, subscriptions=("disconnection",))
    ctx = FakeContext(session)
    assert notify_customer(ctx, "3401234567", "arrears_reminder") == {
        "sent": False, "reason": "not subscribed"}
    assert ctx.sent == []


@pytest.mark.parametrize("mobile", [None, "", "0554-6661234"])
def test_a_subscribed_customer_without_a_usable_mobile_gets_nothing(session: Session, mobile: str | None) -> None:
    _seed(session, mobile=mobile)
    ctx = FakeContext(session)
    assert notify_customer(ctx, "3401234567", "disconnection_notice", {"date": "2026-03-05"}) == {
        "sent": False, "reason": "no valid mobile"}
    assert ctx.sent == []


def test_an_unknown_customer_is_an_incident(session: Session) -> None:
    _seed(session)
    with pytest.raises(LookupError, match="9999999999"):
        notify_customer(FakeContext(session), "9999999999", "reconnected", {"time": "17:30"})


def test_a_missing_template_value_is_an_incident_and_nothing_is_queued(session: Session) -> None:
    _seed(session)
    ctx = FakeContext(session)
    with pytest.raises(MissingPlaceholderError, match=r"\{date\}"):
        notify_customer(ctx, "3401234567", "disconnection_notice")
    assert ctx.sent == []


def test_operators_refuse_a_notice_meant_for_the_other_audience(session: Session) -> None:
    _seed(session)
    ctx = FakeContext(session)
    with pytest.raises(ValueError, match="not a customer notice"):
        notify_customer(ctx, "3401234567", "reconnect_failed_reader")
    with pytest.raises(ValueError, match="not a notice to staff"):
        notify_reader(ctx, "3401234567", "reconnected")
    assert ctx.sent == []


def test_the_segment_reader_is_told_to_reconnect_on_site_without_any_subscription(session: Session) -> None:
    _seed(session, subscriptions=())
    ctx = FakeContext(session)
    result = notify_reader(ctx, "3401234567", "reconnect_failed_reader",
                           {"sends": 3, "order_no": "10000123"})
    assert result == {"sent": True, "to": "13900139000", "segments": 1}
    [(adapter, payload, key)] = ctx.sent
    assert (adapter, payload["to"], key) == ("sms", "13900139000", "sms:reconnect_failed_reader:3401234567")
    for part in ("张建国", "3401234567", "洞山中路12号", "3次", "10000123", "现场复电"):
        assert part in payload["text"]


def test_a_segment_without_a_reader_mobile_is_an_answer_not_an_error(session: Session) -> None:
    _seed(session, reader_mobile=None)
    ctx = FakeContext(session)
    assert notify_reader(ctx, "3401234567", "reconnect_failed_reader",
                         {"sends": 3, "order_no": "10000123"}) == {
        "sent": False, "reason": "segment has no reader mobile"}
    assert ctx.sent == []
