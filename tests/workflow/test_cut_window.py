"""Issue 16 items 1, 2 and 5: when a cut may happen, on the shipped cut-window table
(bpmn/cut_window.dmn), the working-day calendar seeded from the kept Chinese holiday calendar, and
a travelling clock. Default policy: working days only, not the day before a public holiday,
08:00–15:00 Beijing time, more than 30 days overdue, the advance notice 7 days (households) or 3
days (non-households) before, and the re-notice SMS 30 minutes (households) or 1 hour before."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from app.rules.beijing import BEIJING
from app.runtime.actors import Actor
from app.usecases import cut_holds
from app.usecases.payments import record_payment
from storage.domain_models import MeterCommand
from storage.models import Instance, InstanceAttribute, UserTask
from tests.utility import SHIPPED_CUT_WINDOW, Utility, seed_customer, travelling_utility
from tests.workflow.test_disconnect import APPROVER, EXECUTOR, READER, children, complete, issue

SYSADMIN = Actor("sam", frozenset({"sysadmin"}))


@pytest.fixture
def policy(database_url: str, tmp_path: Path) -> Iterator[Utility]:
    """The utility with the shipped cut window and the 2026 calendar (SQLite and PostgreSQL)."""
    for u in travelling_utility(database_url, tmp_path, cut_window=SHIPPED_CUT_WINDOW):
        with u.services.db.transaction() as session:
            cut_holds.seed_calendar(session, u.services.clock, SYSADMIN, 2026, 2026)
        yield u


def apply_and_approve(u: Utility, customers: list[str]) -> int:
    """M4.1–M4.2 today, planned for today: the advance notice SMS goes at approval (M4.3.1)."""
    batch = u.services.runtime.start("disconnect", {}, READER)
    today = u.services.clock.now().astimezone(BEIJING).date().isoformat()
    complete(u, "apply", {"customers": customers, "reason": "arrears", "planned_date": today}, READER)
    complete(u, "approve", {"opinion": "agreed", "decision": "approve"}, APPROVER)
    return batch


def beijing(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=BEIJING)


def move_to(u: Utility, when: datetime) -> None:
    """Jump the clock to ``when`` and let the worker run (timers due by then fire)."""
    u.clock.move_to(when)
    u.run()


def owing(u: Utility, *numbers: str, **overrides: object) -> None:
    for number in numbers:
        seed_customer(u.services, number, **{"power_status": "connected", "owed_cents": 32_000,
                                             "overdue_since": date(2026, 1, 10), **overrides})


def trips(u: Utility) -> list[MeterCommand]:
    with u.services.db.reading() as session:
        return list(session.execute(select(MeterCommand).where(MeterCommand.action == "trip")
                                    .order_by(MeterCommand.id)).scalars())


def attributes(u: Utility, instance_id: int) -> dict[str, str]:
    with u.services.db.reading() as session:
        return {a.name: a.value for a in session.execute(
            select(InstanceAttribute).where(InstanceAttribute.instance_id == instance_id)).scalars()}


def renotices(u: Utility) -> list[dict[str, object]]:
    return [m for m in u.sms() if m["notice"] == "disconnection_renotice"]


def test_a_batch_issued_on_a_friday_at_15_50_trips_nobody_until_monday_08_00(policy: Utility) -> None:
    owing(policy, "3400000011", "3400000012")
    batch = apply_and_approve(policy, ["3400000011", "3400000012"])  # notice SMS on Mon 2 March
    move_to(policy, beijing("2026-03-13T15:50"))  # a Friday, after the window's 15:00 end
    issue(policy)
    policy.run()
    assert trips(policy) == []
    kids = children(policy, batch)
    for kid in kids:  # the wait is visible on the instance, with its reason
        shown = attributes(policy, kid.id)
        assert datetime.fromisoformat(shown["cut_expected_at"]) == beijing("2026-03-16T08:00")
        assert "outside the cut hours" in shown["cut_wait_reason"]
    move_to(policy, beijing("2026-03-16T07:29"))
    assert trips(policy) == [] and renotices(policy) == []
    move_to(policy, beijing("2026-03-16T07:30:30"))  # the re-notice, 30 minutes before (issue 16 item 2)
    assert len(renotices(policy)) == 2 and "08:00" in str(renotices(policy)[0]["text"]) and trips(policy) == []
    move_to(policy, beijing("2026-03-16T08:01"))
    cut = trips(policy)
    assert len(cut) == 2 and all(c.created_at >= beijing("2026-03-16T08:00") for c in cut)
    policy.advance(timedelta(minutes=2))
    assert {policy.customer(n).power_status for n in ("3400000011", "3400000012")} == {"disconnected"}


def test_after_a_public_holiday_the_next_working_day_and_an_adjusted_saturday_is_a_working_day(
        policy: Utility) -> None:
    owing(policy, "3400000011")
    apply_and_approve(policy, ["3400000011"])
    move_to(policy, beijing("2026-04-30T10:00"))  # Thursday, the day before Labour Day (1–5 May)
    issue(policy)
    policy.run()
    [kid] = [i for i in instances(policy) if i.process_id == "disconnect_customer"]
    assert datetime.fromisoformat(attributes(policy, kid.id)["cut_expected_at"]) == beijing("2026-05-06T08:00")
    assert "day before a holiday" in attributes(policy, kid.id)["cut_wait_reason"]

    owing(policy, "3400000012")
    apply_and_approve(policy, ["3400000012"])  # noticed on 30 April
    move_to(policy, beijing("2026-05-08T15:50"))  # Friday; Saturday 9 May is an adjusted working day
    issue(policy)
    policy.run()
    kid = [i for i in instances(policy) if i.process_id == "disconnect_customer"][-1]
    assert datetime.fromisoformat(attributes(policy, kid.id)["cut_expected_at"]) == beijing("2026-05-09T08:00")


def test_a_customer_noticed_two_days_ago_is_not_cut_until_the_notice_is_seven_days_old(policy: Utility) -> None:
    owing(policy, "3400000011")
    batch = apply_and_approve(policy, ["3400000011"])  # noticed Mon 2 March 09:00
    move_to(policy, beijing("2026-03-04T10:00"))
    issue(policy)
    policy.run()
    [kid] = children(policy, batch)
    assert trips(policy) == []
    shown = attributes(policy, kid.id)
    assert "7 days" in shown["cut_wait_reason"]
    assert datetime.fromisoformat(shown["cut_expected_at"]) == beijing("2026-03-09T09:00")  # 7 days after the notice


def test_a_customer_without_a_subscribed_mobile_gets_the_executors_notice_task(policy: Utility) -> None:
    owing(policy, "3400000013", subscribed=())
    batch = apply_and_approve(policy, ["3400000013"])
    move_to(policy, beijing("2026-03-04T10:00"))
    issue(policy)
    policy.run()
    [kid] = children(policy, batch)
    notice = task_of(policy, kid.id, "give_notice")
    assert notice.lane == "executor"
    complete(policy, "give_notice", {"how": "paper", "note": "served at the door"}, EXECUTOR, kid.id)
    # the seven days count from the notice by hand, not from the batch's SMS that never went
    assert datetime.fromisoformat(attributes(policy, kid.id)["cut_expected_at"]) == beijing("2026-03-11T10:00")


def test_a_moratorium_holds_a_segments_customers_until_it_ends(policy: Utility) -> None:
    owing(policy, "3400000011")
    batch = apply_and_approve(policy, ["3400000011"])
    with policy.services.db.transaction() as session:
        cut_holds.set_moratorium(session, policy.services.clock, SYSADMIN, segment_code="S01", kind="heat",
                                 starts_on=date(2026, 3, 16), ends_on=date(2026, 3, 18), reason="heat alert 38 °C")
    move_to(policy, beijing("2026-03-16T10:00"))
    issue(policy)
    policy.run()
    [kid] = children(policy, batch)
    shown = attributes(policy, kid.id)
    assert "heat alert" in shown["cut_wait_reason"]
    assert datetime.fromisoformat(shown["cut_expected_at"]) == beijing("2026-03-19T08:00")
    move_to(policy, beijing("2026-03-18T14:00"))
    assert trips(policy) == []
    move_to(policy, beijing("2026-03-19T07:30:30"))
    move_to(policy, beijing("2026-03-19T08:01"))
    assert len(trips(policy)) == 1


def test_a_global_stop_set_while_50_trips_are_queued_sends_none_and_lifting_it_resumes_those_still_due(
        policy: Utility) -> None:
    numbers = [f"34{n:08d}" for n in range(100, 150)]
    owing(policy, *numbers)
    apply_and_approve(policy, numbers)
    move_to(policy, beijing("2026-03-16T10:00"))
    issue(policy)
    policy.run()  # the re-notices go; the trips are planned for 10:30
    policy.clock.move_to(beijing("2026-03-16T10:31"))
    policy.services.runtime.wake_due()  # the children queue their trips; the outbox has not run yet
    assert len(trips(policy)) == 50 and {c.status for c in trips(policy)} == {"queued"}
    with policy.services.db.transaction() as session:
        cut_holds.set_stop(session, policy.services.clock, SYSADMIN, "wrong billing run")
    policy.run()
    assert {c.status for c in trips(policy)} == {"cancelled"}  # none left: held back at the outbox
    record_payment(policy.services.runtime, {"payment_id": "P-100", "customer_number": numbers[0], "amount": "320",
                                             "paid_at": policy.services.clock.now().isoformat()})
    policy.advance(timedelta(hours=1), step=timedelta(minutes=5))
    assert {c.status for c in trips(policy)} == {"cancelled"}  # still stopped: nothing new left
    with policy.services.db.transaction() as session:
        cut_holds.lift_stop(session, policy.services.clock, SYSADMIN, "billing corrected")
    policy.advance(timedelta(hours=1), step=timedelta(minutes=5))
    sent = [c for c in trips(policy) if c.status != "cancelled"]
    assert len(sent) == 49 and {c.status for c in sent} == {"executed"}  # the one who paid is not cut
    assert policy.customer(numbers[0]).power_status == "connected"


def instances(u: Utility) -> list[Instance]:
    with u.services.db.reading() as session:
        return list(session.execute(select(Instance).order_by(Instance.id)).scalars())


def task_of(u: Utility, instance_id: int, element_id: str) -> UserTask:
    with u.services.db.reading() as session:
        return session.execute(select(UserTask).where(UserTask.instance_id == instance_id,
                                                      UserTask.element_id == element_id)).scalar_one()


def test_a_medical_certificate_defers_a_households_cut_by_30_days(policy: Utility) -> None:
    owing(policy, "3400000011", medical_certificate_on=date(2026, 3, 10))
    batch = apply_and_approve(policy, ["3400000011"])
    move_to(policy, beijing("2026-03-16T10:00"))
    issue(policy)
    policy.run()
    [kid] = children(policy, batch)
    shown = attributes(policy, kid.id)
    assert "medical certificate" in shown["cut_wait_reason"]
    assert datetime.fromisoformat(shown["cut_expected_at"]) == beijing("2026-04-09T08:00")  # 30 days after 10 March


def test_a_day_past_the_calendars_coverage_refuses_the_cut_rather_than_guessing(policy: Utility) -> None:
    owing(policy, "3400000011")
    apply_and_approve(policy, ["3400000011"])
    move_to(policy, beijing("2026-12-31T10:00"))  # the calendar (2026) holds no 1 January: is the 31st a holiday's eve?
    issue(policy)
    policy.run()
    [kid] = [i for i in instances(policy) if i.process_id == "disconnect_customer"]
    shown = attributes(policy, kid.id)
    assert "the calendar does not cover this day" in shown["cut_wait_reason"]
    assert "nothing allowed in the next 45 days" in shown["cut_wait_reason"]
    assert datetime.fromisoformat(shown["cut_expected_at"]) == beijing("2026-12-31T10:15")  # it looks again
    with policy.services.db.transaction() as session:  # the sysadmin adds 2027's first days
        for day, kind in ((date(2027, 1, 1), "holiday"), (date(2027, 1, 2), "weekend"), (date(2027, 1, 3), "weekend"),
                          (date(2027, 1, 4), "working"), (date(2027, 1, 5), "working")):
            cut_holds.set_day(session, policy.services.clock, SYSADMIN, day, kind, "New Year's Day" if
                              kind == "holiday" else None)
    move_to(policy, beijing("2026-12-31T10:16"))
    shown = attributes(policy, kid.id)
    assert datetime.fromisoformat(shown["cut_expected_at"]) == beijing("2027-01-04T08:00")
    assert trips(policy) == []
