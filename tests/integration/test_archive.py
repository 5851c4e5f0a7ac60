"""Customer-archive maintenance (M1 screening and flag, M2 subscriptions, M3 readers' phones)
on both backends: who may, what is refused, what is recorded in the ``archive`` stream.

Refusals are provoked inside a transaction that then commits, so a function that wrote
before refusing would leave that write behind and fail the "nothing changed" checks."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import select

from app.archive import maintenance as archive
from app.archive.lookups import (
    screening_of,
    screening_report,
    screening_summary,
    segments_overview,
    subscription_rates,
)
from app.bootstrap import Services
from app.runtime.actors import Actor
from app.runtime.errors import Forbidden, NotFound, RuntimeActionError
from app.runtime.events.history import verify_stream
from storage.domain_models import Customer, Segment, SmsSubscription
from storage.models import HistoryEvent
from tests.utility import READER_MOBILE, seed_customer, seed_segment

NOW = datetime(2026, 3, 5, 2, 30, tzinfo=UTC)
APPLICANT = Actor("amy", frozenset({"applicant"}))
EXECUTOR = Actor("ed", frozenset({"executor"}))
APPROVER = Actor("ann", frozenset({"approver"}))
SYSADMIN = Actor("sam", frozenset({"sysadmin"}))
AUDITOR = Actor("aud", frozenset({"auditor"}))
OFFLINE_HIGH_VOLTAGE: dict[str, Any] = {"voltage_class": "high", "channel_online": False}


@dataclass
class FixedClock:
    at: datetime = NOW

    def now(self) -> datetime:
        return self.at


CLOCK = FixedClock()


@pytest.fixture
def services(backend_services: Services) -> Services:
    seed_segment(backend_services, "S01")
    seed_segment(backend_services, "S02", reader="reader-li", mobile=None)
    return backend_services


def customer(services: Services, number: str) -> Customer:
    with services.db.reading() as session:
        return session.execute(select(Customer).where(Customer.number == number)).scalar_one()


def subscriptions(services: Services, number: str) -> set[str]:
    with services.db.reading() as session:
        return set(session.execute(select(SmsSubscription.notice_type).join(Customer)
                                   .where(Customer.number == number)).scalars())


def archive_events(services: Services) -> list[tuple[str, str, dict[str, Any]]]:
    with services.db.reading() as session:
        rows = session.execute(select(HistoryEvent).where(HistoryEvent.stream == "archive")
                               .order_by(HistoryEvent.seq)).scalars()
        return [(row.type, row.actor, row.data) for row in rows]


def refused(services: Services, error: type[Exception], call: Any, *args: Any, **kwargs: Any) -> str:
    """Run ``call`` in a transaction that commits even though it raises ``error``; the message."""
    with services.db.transaction() as session, pytest.raises(error) as caught:
        call(session, *args, **kwargs)
    return str(caught.value)


def done(services: Services, call: Any, *args: Any, **kwargs: Any) -> Any:
    with services.db.transaction() as session:
        return call(session, *args, **kwargs)


# --- M1.1 screening ---------------------------------------------------------------------------

def test_m1_1_screening_reports_each_failing_criterion(services: Services) -> None:
    seed_customer(services, "3400000001", **OFFLINE_HIGH_VOLTAGE)
    with services.db.reading() as session:
        result = screening_of(session, "3400000001")
    assert result["number"] == "3400000001" and result["name"] == "Customer 3400000001"
    assert result["eligible"] is False and result["flagged"] is True
    failing = {c["rule"]: c["reason"] for c in result["criteria"] if not c["holds"]}
    assert failing == {"M1.1.1": "not a low-voltage customer",
                       "M1.1.3": "the collection system does not see the meter online"}
    assert [c["rule"] for c in result["criteria"]] == ["M1.1.1", "M1.1.2", "M1.1.3", "M1.1.4"]


def test_m1_1_screening_of_an_unknown_customer_is_not_found(services: Services) -> None:
    with services.db.reading() as session, pytest.raises(NotFound, match="no customer 3499999999"):
        screening_of(session, "3499999999")


def test_m1_1_report_filters_by_segment_and_eligibility_in_number_order(services: Services) -> None:
    seed_customer(services, "3400000003", ami_connected=False)                        # flagged, ineligible
    seed_customer(services, "3400000001")                                             # flagged, eligible
    seed_customer(services, "3400000002", auto_reconnect=False, channel_online=False)  # ineligible
    seed_customer(services, "3400000004", segment_code="S02", can_direct_close=False)  # other segment
    with services.db.reading() as session:
        everyone = screening_report(session)
        in_s01 = screening_report(session, segment="S01")
        ineligible = screening_report(session, segment="S01", only="ineligible")
        wrongly_flagged = screening_report(session, only="flagged_but_ineligible")
        eligible = screening_report(session, only="eligible")
    assert [r["number"] for r in everyone] == ["3400000001", "3400000002", "3400000003", "3400000004"]
    assert [r["number"] for r in in_s01] == ["3400000001", "3400000002", "3400000003"]
    assert [r["number"] for r in ineligible] == ["3400000002", "3400000003"]
    assert [r["number"] for r in wrongly_flagged] == ["3400000003", "3400000004"]
    assert [r["number"] for r in eligible] == ["3400000001"]
    assert screening_summary(everyone) == {"total": 4, "eligible": 1, "flagged": 3, "flagged_but_ineligible": 2}


def test_m1_1_report_refuses_an_unknown_filter_or_segment(services: Services) -> None:
    with services.db.reading() as session:
        with pytest.raises(RuntimeActionError, match="unknown filter 'flagged'"):
            screening_report(session, only="flagged")
        with pytest.raises(NotFound, match="no meter-reading segment S99"):
            screening_report(session, segment="S99")


# --- M1.2 the auto-reconnect flag -------------------------------------------------------------

@pytest.mark.parametrize("actor", [SYSADMIN, APPROVER, AUDITOR, Actor.system("patrol")], ids=lambda a: a.name)
def test_m1_2_2_only_applicants_and_executors_change_the_flag(services: Services, actor: Actor) -> None:
    seed_customer(services, "3400000001", auto_reconnect=False)
    message = refused(services, Forbidden, archive.set_auto_reconnect, CLOCK, actor, "3400000001", True)
    assert "Applicant / Executor role (M1.2.2)" in message
    message = refused(services, Forbidden, archive.set_auto_reconnect_bulk, CLOCK, actor, ["3400000001"], True, "")
    assert "Applicant / Executor" in message
    assert customer(services, "3400000001").auto_reconnect is False
    assert archive_events(services) == []


@pytest.mark.parametrize("actor", [APPLICANT, EXECUTOR], ids=lambda a: a.name)
def test_m1_2_setting_the_flag_records_who_when_and_old_and_new(services: Services, actor: Actor) -> None:
    seed_customer(services, "3400000001", auto_reconnect=False)
    outcome = done(services, archive.set_auto_reconnect, CLOCK, actor, "3400000001", True, reason="screened")
    assert outcome == {"customer": "3400000001", "old": False, "new": True, "changed": True, "eligible": True}
    row = customer(services, "3400000001")
    assert (row.auto_reconnect, row.auto_reconnect_by, row.auto_reconnect_at) == (True, actor.name, NOW)
    assert archive_events(services) == [("customer.flag_changed", actor.name,
                                         {"customer": "3400000001", "old": False, "new": True, "reason": "screened"})]


def test_m1_2_flag_on_a_customer_failing_screening_is_refused_naming_the_criteria(services: Services) -> None:
    seed_customer(services, "3400000001", auto_reconnect=False, ami_connected=False)
    message = refused(services, RuntimeActionError, archive.set_auto_reconnect, CLOCK, APPLICANT, "3400000001", True)
    assert "customer 3400000001 fails screening" in message
    assert "M1.1.2 not connected to the collection system (AMI)" in message
    assert "M1.1.1" not in message
    message = refused(services, RuntimeActionError, archive.set_auto_reconnect, CLOCK, APPLICANT, "3400000001",
                      True, force=True, reason="  ")
    assert "forcing it needs a reason" in message
    row = customer(services, "3400000001")
    assert (row.auto_reconnect, row.auto_reconnect_by, row.auto_reconnect_at) == (False, None, None)
    assert archive_events(services) == []


def test_m1_2_forcing_the_flag_with_a_reason_is_recorded_as_forced(services: Services) -> None:
    seed_customer(services, "3400000001", auto_reconnect=False, channel_online=False)
    outcome = done(services, archive.set_auto_reconnect, CLOCK, EXECUTOR, "3400000001", True, force=True,
                   reason="channel fixed on site today; collection system not refreshed yet")
    assert outcome["changed"] is True and outcome["eligible"] is False
    assert customer(services, "3400000001").auto_reconnect is True
    [(kind, actor, data)] = archive_events(services)
    assert (kind, actor) == ("customer.flag_changed", "ed")
    assert data["forced"] is True and data["reason"].startswith("channel fixed")
    assert data["failing"] == ["M1.1.3 the collection system does not see the meter online"]


def test_m1_2_clearing_the_flag_is_allowed_even_for_a_customer_failing_screening(services: Services) -> None:
    seed_customer(services, "3400000001", **OFFLINE_HIGH_VOLTAGE)
    outcome = done(services, archive.set_auto_reconnect, CLOCK, APPLICANT, "3400000001", False)
    assert outcome["changed"] is True
    row = customer(services, "3400000001")
    assert (row.auto_reconnect, row.auto_reconnect_by) == (False, "amy")
    assert archive_events(services) == [("customer.flag_changed", "amy",
                                         {"customer": "3400000001", "old": True, "new": False, "reason": ""})]


def test_m1_2_setting_the_flag_it_already_has_changes_and_records_nothing(services: Services) -> None:
    seed_customer(services, "3400000001")
    outcome = done(services, archive.set_auto_reconnect, CLOCK, APPLICANT, "3400000001", True)
    assert outcome["changed"] is False
    assert customer(services, "3400000001").auto_reconnect_by is None
    assert archive_events(services) == []


def test_m1_2_bulk_is_all_or_nothing(services: Services) -> None:
    seed_customer(services, "3400000001", auto_reconnect=False)
    seed_customer(services, "3400000002", auto_reconnect=False, can_direct_close=False)
    seed_customer(services, "3400000003", auto_reconnect=False, voltage_class="high")
    numbers = ["3400000001", "3400000002", "3400000003"]
    message = refused(services, RuntimeActionError, archive.set_auto_reconnect_bulk, CLOCK, EXECUTOR, numbers, True,
                      "batch")
    assert "nothing was changed: 2 customer(s) refused" in message
    assert "customer 3400000002 fails screening (M1.1.4" in message
    assert "customer 3400000003 fails screening (M1.1.1" in message
    refused(services, NotFound, archive.set_auto_reconnect_bulk, CLOCK, EXECUTOR, ["3400000001", "3499999999"],
            True, "batch")
    assert [customer(services, n).auto_reconnect for n in numbers] == [False, False, False]
    assert archive_events(services) == []


def test_m1_2_bulk_changes_each_customer_and_reports_the_outcomes(services: Services) -> None:
    seed_customer(services, "3400000001", auto_reconnect=False)
    seed_customer(services, "3400000002")
    seed_customer(services, "3400000003", auto_reconnect=False)
    result = done(services, archive.set_auto_reconnect_bulk, CLOCK, APPLICANT,
                  ["3400000001", "3400000002", "3400000003", "3400000001"], True, "route S01 screened")
    assert (result["changed"], result["unchanged"]) == (2, 1)
    assert [(o["customer"], o["old"], o["changed"]) for o in result["outcomes"]] == [
        ("3400000001", False, True), ("3400000002", True, False), ("3400000003", False, True)]
    assert [(kind, data["customer"], data["reason"]) for kind, _, data in archive_events(services)] == [
        ("customer.flag_changed", "3400000001", "route S01 screened"),
        ("customer.flag_changed", "3400000003", "route S01 screened")]
    with services.db.reading() as session:
        assert verify_stream(session, "archive") == []


# --- M2.1 SMS subscriptions and mobiles -------------------------------------------------------

@pytest.mark.parametrize("actor", [SYSADMIN, APPLICANT, EXECUTOR], ids=lambda a: a.name)
def test_m2_1_front_desk_changes_a_subscription_and_it_is_recorded(services: Services, actor: Actor) -> None:
    seed_customer(services, "3400000001")
    done(services, archive.set_subscription, CLOCK, actor, "3400000001", "disconnection", False)
    done(services, archive.set_subscription, CLOCK, actor, "3400000001", "arrears", True)
    again = done(services, archive.set_subscription, CLOCK, actor, "3400000001", "arrears", True)
    assert again["changed"] is False
    assert subscriptions(services, "3400000001") == {"reconnection", "arrears"}
    assert archive_events(services) == [
        ("customer.subscription_changed", actor.name,
         {"customer": "3400000001", "notice_type": "disconnection", "old": True, "new": False}),
        ("customer.subscription_changed", actor.name,
         {"customer": "3400000001", "notice_type": "arrears", "old": False, "new": True})]


def test_m2_1_other_roles_and_unknown_notice_types_are_refused(services: Services) -> None:
    seed_customer(services, "3400000001")
    message = refused(services, Forbidden, archive.set_subscription, CLOCK, APPROVER, "3400000001",
                      "disconnection", False)
    assert "Sysadmin / Applicant / Executor role" in message
    message = refused(services, RuntimeActionError, archive.set_subscription, CLOCK, EXECUTOR, "3400000001",
                      "marketing", True)
    assert "unknown notice type 'marketing'" in message
    refused(services, Forbidden, archive.set_customer_mobile, CLOCK, AUDITOR, "3400000001", "13900000002")
    assert subscriptions(services, "3400000001") == {"disconnection", "reconnection"}
    assert customer(services, "3400000001").mobile == "13800138000"
    assert archive_events(services) == []


def test_m2_1_subscription_rate_per_segment(services: Services) -> None:
    seed_customer(services, "3400000001")
    seed_customer(services, "3400000002", subscribed=("disconnection",))
    seed_customer(services, "3400000003", subscribed=())
    seed_customer(services, "3400000004", subscribed=("arrears",), segment_code="S02")
    seed_segment(services, "S03")
    with services.db.reading() as session:
        rates = {row["segment"]: row for row in subscription_rates(session)}
    assert list(rates) == ["S01", "S02", "S03"]
    s01 = rates["S01"]
    assert s01["customers"] == 3
    assert s01["subscribed"] == {"disconnection": 2, "reconnection": 1, "arrears": 0}
    assert s01["rate"] == {"disconnection": 0.667, "reconnection": 0.333, "arrears": 0.0}
    assert (s01["subscribed_any"], s01["rate_any"]) == (2, 0.667)
    assert (rates["S02"]["rate"]["arrears"], rates["S02"]["rate_any"]) == (1.0, 1.0)
    assert (rates["S03"]["customers"], rates["S03"]["rate_any"]) == (0, 0.0)


def test_m2_1_customer_mobile_is_validated_normalised_and_recorded(services: Services) -> None:
    seed_customer(services, "3400000001")
    message = refused(services, RuntimeActionError, archive.set_customer_mobile, CLOCK, APPLICANT, "3400000001",
                      "0554-6661234")
    assert "is not a mainland China mobile number" in message
    assert customer(services, "3400000001").mobile == "13800138000"
    outcome = done(services, archive.set_customer_mobile, CLOCK, APPLICANT, "3400000001", "+86 139-0000-0002")
    assert outcome["new"] == "13900000002"
    done(services, archive.set_customer_mobile, CLOCK, APPLICANT, "3400000001", None)
    assert customer(services, "3400000001").mobile is None
    assert archive_events(services) == [
        ("customer.mobile_changed", "amy", {"customer": "3400000001", "old": "13800138000", "new": "13900000002"}),
        ("customer.mobile_changed", "amy", {"customer": "3400000001", "old": "13900000002", "new": None})]


# --- M3 readers' phones -----------------------------------------------------------------------

@pytest.mark.parametrize("actor", [APPLICANT, EXECUTOR, APPROVER], ids=lambda a: a.name)
def test_m3_2_only_a_sysadmin_changes_a_reader_phone(services: Services, actor: Actor) -> None:
    message = refused(services, Forbidden, archive.set_reader_phone, CLOCK, actor, "S01", "13900000009",
                      reader_username="reader-li")
    assert "changing a reader's phone needs the Sysadmin role (M3.2)" in message
    with services.db.reading() as session:
        segment = session.get(Segment, "S01")
        assert segment is not None and (segment.reader_username, segment.reader_mobile) == ("reader-rui",
                                                                                            READER_MOBILE)
    assert archive_events(services) == []


def test_m3_1_reader_phone_is_validated_recorded_and_cleared(services: Services) -> None:
    message = refused(services, RuntimeActionError, archive.set_reader_phone, CLOCK, SYSADMIN, "S01", "139000",
                      reader_username="reader-zhao")
    assert "not a mainland China mobile number" in message
    refused(services, NotFound, archive.set_reader_phone, CLOCK, SYSADMIN, "S99", "13900000009")
    assert archive_events(services) == []

    done(services, archive.set_reader_phone, CLOCK, SYSADMIN, "S01", "139 0000 0009", reader_username="reader-zhao")
    done(services, archive.set_reader_phone, CLOCK, SYSADMIN, "S02", "13900000010")
    done(services, archive.set_reader_phone, CLOCK, SYSADMIN, "S01", None)
    assert archive_events(services) == [
        ("segment.reader_changed", "sam", {"segment": "S01", "old": "reader-rui", "new": "reader-zhao"}),
        ("segment.reader_phone_changed", "sam", {"segment": "S01", "old": READER_MOBILE, "new": "13900000009"}),
        ("segment.reader_phone_changed", "sam", {"segment": "S02", "old": None, "new": "13900000010"}),
        ("segment.reader_phone_changed", "sam", {"segment": "S01", "old": "13900000009", "new": None})]
    seed_customer(services, "3400000001", segment_code="S02")
    with services.db.reading() as session:
        overview = segments_overview(session)
    assert overview == [
        {"code": "S01", "name": "Segment S01", "reader_username": "reader-zhao", "reader_mobile": None,
         "customers": 0},
        {"code": "S02", "name": "Segment S02", "reader_username": "reader-li", "reader_mobile": "13900000010",
         "customers": 1}]
