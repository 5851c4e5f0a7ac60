"""M4 disconnection for arrears on the real bpmn/disconnect.bpmn and disconnect_customer.bpmn,
with the real handlers, the simulated head-end and a travelling clock."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import select, update

from app.runtime.actors import Actor
from app.runtime.errors import Forbidden
from app.runtime.forms import FormInvalid
from app.usecases.payments import record_payment
from storage.domain_models import Customer, MeterCommand, Reconnection
from storage.models import HistoryEvent, Instance, UserTask
from tests.utility import BPMN_DIR, DEPLOYER, Utility, child_bundle, seed_customer

READER = Actor("reader-rui", frozenset({"applicant"}))  # the reader of segment S01 (tests.utility)
OTHER_APPLICANT = Actor("ann", frozenset({"applicant"}))
APPROVER = Actor("bo", frozenset({"approver"}))
EXECUTOR = Actor("erin", frozenset({"executor"}))
PLANNED = str(date(2026, 3, 2))  # the day of tests.utility.NOW: issuing is allowed at once


def owing(u: Utility, *numbers: str, **overrides: Any) -> None:
    values = {"power_status": "connected", "owed_cents": 32_000, "auto_reconnect": True,
              "overdue_since": date(2026, 1, 10), **overrides}
    for number in numbers:
        seed_customer(u.services, number, **values)


def task(u: Utility, element_id: str, instance_id: int | None = None) -> UserTask:
    with u.services.db.reading() as session:
        query = select(UserTask).where(UserTask.element_id == element_id)
        if instance_id is not None:
            query = query.where(UserTask.instance_id == instance_id)
        return session.execute(query).scalar_one()


def tasks(u: Utility, element_id: str) -> list[UserTask]:
    with u.services.db.reading() as session:
        return list(session.execute(select(UserTask).where(UserTask.element_id == element_id)
                                    .order_by(UserTask.instance_id)).scalars())


def complete(u: Utility, element_id: str, data: dict[str, Any], actor: Actor, instance_id: int | None = None) -> None:
    u.services.runtime.complete_task(task(u, element_id, instance_id).id, data, actor)


def instance(u: Utility, instance_id: int) -> Instance:
    with u.services.db.reading() as session:
        row = session.get(Instance, instance_id)
        assert row is not None
        return row


def children(u: Utility, batch_id: int) -> list[Instance]:
    with u.services.db.reading() as session:
        return list(session.execute(select(Instance).where(Instance.parent_id == batch_id)
                                    .order_by(Instance.id)).scalars())


def commands(u: Utility) -> list[MeterCommand]:
    with u.services.db.reading() as session:
        return list(session.execute(select(MeterCommand).order_by(MeterCommand.id)).scalars())


def apply_and_approve(u: Utility, customers: list[str], applicant: Actor = READER) -> int:
    batch = u.services.runtime.start("disconnect", {}, applicant)
    complete(u, "apply", {"customers": customers, "reason": "arrears over 60 days", "planned_date": PLANNED},
             applicant)
    complete(u, "approve", {"opinion": "agreed", "decision": "approve"}, APPROVER)
    return batch


def issue(u: Utility, keep: dict[str, str] | None = None, cancel: list[str] | None = None) -> None:
    complete(u, "issue", {"keep": keep or {}, "cancel": cancel or []}, EXECUTOR)


def test_m4_1_only_an_applicant_starts_an_application(utility: Utility) -> None:
    with pytest.raises(Forbidden, match="applicant"):
        utility.services.runtime.start("disconnect", {}, EXECUTOR)


def test_m4_1_a_customer_of_another_readers_segment_is_a_warning_not_a_refusal(utility: Utility) -> None:
    owing(utility, "3400000011")
    batch = utility.services.runtime.start("disconnect", {}, OTHER_APPLICANT)
    complete(utility, "apply", {"customers": ["3400000011"], "reason": "arrears", "planned_date": PLANNED},
             OTHER_APPLICANT)
    approve = task(utility, "approve", batch)  # sent on despite the warning
    assert approve.lane == "approver"
    with utility.services.db.reading() as session:
        applied = session.execute(select(HistoryEvent).where(HistoryEvent.instance_id == batch,
                                                             HistoryEvent.type == "task.completed")).scalar_one()
    assert applied.data["data"]["reader_warnings"] == ["3400000011: segment S01 belongs to reader-rui"]


def test_m4_1_a_protected_customer_cannot_be_added(utility: Utility) -> None:
    owing(utility, "3400000012", protected_kind="life_support", protected_reason="home oxygen concentrator")
    utility.services.runtime.start("disconnect", {}, READER)
    with pytest.raises(FormInvalid, match=r"protected customers cannot be disconnected"):
        complete(utility, "apply", {"customers": ["3400000012"], "reason": "arrears", "planned_date": PLANNED},
                 READER)
    assert task(utility, "apply").element_id == "apply"  # still open, nothing changed


def test_m4_2_approval_needs_an_opinion_and_may_send_back(utility: Utility) -> None:
    owing(utility, "3400000011")
    batch = utility.services.runtime.start("disconnect", {}, READER)
    complete(utility, "apply", {"customers": ["3400000011"], "reason": "arrears", "planned_date": PLANNED}, READER)
    with pytest.raises(FormInvalid, match="opinion"):
        complete(utility, "approve", {"opinion": " ", "decision": "approve"}, APPROVER)
    complete(utility, "approve", {"opinion": "wrong reason code", "decision": "send_back"}, APPROVER)
    assert task(utility, "apply", batch).lane == "applicant"


def test_m4_3_1_advance_sms_only_to_subscribed_customers(utility: Utility) -> None:
    owing(utility, "3400000011")
    owing(utility, "3400000013", subscribed=(), mobile="13800138013")
    apply_and_approve(utility, ["3400000011", "3400000013"])
    utility.run()
    notices = [m for m in utility.sms() if m["notice"] == "disconnection_notice"]
    assert [m["to"] for m in notices] == ["13800138000"]
    assert PLANNED in notices[0]["text"] and "320.00" in notices[0]["text"]
    assert commands(utility) == []  # no command before the executor issues (M4.3.2)


def test_m4_3_3_a_customer_who_paid_between_approval_and_command_is_cancelled_out(utility: Utility) -> None:
    owing(utility, "3400000011", "3400000014")
    batch = apply_and_approve(utility, ["3400000011", "3400000014"])
    record_payment(utility.services.runtime, {"payment_id": "P-14", "customer_number": "3400000014", "amount": "320",
                                       "paid_at": utility.services.clock.now().isoformat()})
    with pytest.raises(FormInvalid, match=r"decide for each customer who paid meanwhile.*: 3400000014"):
        issue(utility)
    issue(utility, cancel=["3400000014"])
    kids = children(utility, batch)
    assert [k.start_data for k in kids] == [{"customer_number": "3400000011", "kept": False,  # noticed by SMS (M4.3.1)
                                             "noticed_at": utility.services.clock.now().isoformat(),
                                             "renoticed_for": None}]


def test_m4_3_3_a_paid_customer_kept_with_a_reason_is_cut(utility: Utility) -> None:
    owing(utility, "3400000011")
    apply_and_approve(utility, ["3400000011"])
    record_payment(utility.services.runtime, {"payment_id": "P-11", "customer_number": "3400000011", "amount": "320",
                                       "paid_at": utility.services.clock.now().isoformat()})
    with pytest.raises(FormInvalid, match="reason"):
        issue(utility, keep={"3400000011": ""})
    issue(utility, keep={"3400000011": "the payment covers another account"})
    utility.advance(timedelta(minutes=2))
    [trip, *after] = commands(utility)
    assert (trip.action, trip.status, trip.relay) == ("trip", "executed", "open")  # cut, as the executor chose
    # ...and, owing nothing, M5.1 reconnects them as soon as the cut is confirmed: the two rules compose.
    assert [c.action for c in after] == ["direct_close"]


def test_m4_3_4_an_emptied_batch_is_archived_after_confirmation(utility: Utility) -> None:
    owing(utility, "3400000011")
    batch = apply_and_approve(utility, ["3400000011"])
    record_payment(utility.services.runtime, {"payment_id": "P-11", "customer_number": "3400000011", "amount": "320",
                                       "paid_at": utility.services.clock.now().isoformat()})
    issue(utility, cancel=["3400000011"])
    with pytest.raises(FormInvalid, match="confirm"):
        complete(utility, "confirm_empty", {"archive": False}, EXECUTOR)
    complete(utility, "confirm_empty", {"archive": True}, EXECUTOR)
    assert instance(utility, batch).status == "completed"
    assert children(utility, batch) == [] and commands(utility) == []


def test_m4_3_5_the_cut_is_confirmed_the_time_taken_and_the_status_changed_at_once(utility: Utility) -> None:
    owing(utility, "3400000011", "3400000015")
    batch = apply_and_approve(utility, ["3400000011", "3400000015"])
    issue(utility)
    kids = children(utility, batch)
    assert len(kids) == 2  # one child instance per customer
    utility.advance(timedelta(minutes=2))
    for number in ("3400000011", "3400000015"):
        customer = utility.customer(number)
        assert customer.power_status == "disconnected"  # before the batch is archived
    [first, _] = commands(utility)
    assert first.action == "trip" and utility.customer("3400000011").power_status_since == first.executed_at
    assert task(utility, "send_to_archive", batch).lane == "executor"


def test_m4_3_6_a_failed_trip_is_entered_by_hand(utility: Utility) -> None:
    owing(utility, "3400000011")
    utility.headend.set_behaviour(utility.customer("3400000011").meter_address, "fails")
    batch = apply_and_approve(utility, ["3400000011"])
    issue(utility)
    utility.advance(timedelta(minutes=2))
    [child] = children(utility, batch)
    entry = task(utility, "enter_disconnection", child.id)
    assert entry.lane == "executor"
    an_hour_ago = (utility.services.clock.now() - timedelta(hours=1)).isoformat()
    for bad_time in (None, "1900-01-01T08:00:00+08:00", an_hour_ago):
        with pytest.raises(FormInvalid, match="disconnected_at"):  # missing, or before the command was issued
            complete(utility, "enter_disconnection", {"disconnected": True, "disconnected_at": bad_time}, EXECUTOR,
                     child.id)
    at = (utility.services.clock.now() - timedelta(minutes=1)).isoformat()
    complete(utility, "enter_disconnection", {"disconnected": True, "disconnected_at": at, "note": "meter seal"},
             EXECUTOR, child.id)
    customer = utility.customer("3400000011")
    assert (customer.power_status, customer.power_status_since.isoformat()) == ("disconnected", at)


def test_m4_3_7_archiving_closes_the_batch_and_checks_every_status(utility: Utility) -> None:
    owing(utility, "3400000011", "3400000015")
    utility.headend.set_behaviour(utility.customer("3400000015").meter_address, "fails")
    batch = apply_and_approve(utility, ["3400000011", "3400000015"])
    issue(utility)
    utility.advance(timedelta(minutes=2))
    failed_child = children(utility, batch)[1]
    complete(utility, "enter_disconnection", {"disconnected": False, "note": "customer not at home"}, EXECUTOR,
             failed_child.id)
    utility.run()  # the worker's tick wakes the batch
    complete(utility, "send_to_archive", {}, EXECUTOR, batch)
    done = instance(utility, batch)
    assert done.status == "completed"
    assert done.result == {"disconnected": ["3400000011"], "not_disconnected": ["3400000015"],
                           "status_mismatch": [], "checked": 2}


def test_a_customer_who_pays_after_the_trip_was_sent_is_reconnected_as_soon_as_its_result_is_known(
    utility: Utility,
) -> None:
    owing(utility, "3400000011")
    apply_and_approve(utility, ["3400000011"])
    issue(utility)
    utility.services.dispatcher.dispatch()  # the trip is on its way to the head-end
    paid = record_payment(utility.services.runtime, {"payment_id": "P-11", "customer_number": "3400000011",
                                              "amount": "320.00", "paid_at": utility.services.clock.now().isoformat()})
    assert paid["cancelled_commands"] == [] and paid["reconnection_instance"] is None  # a trip is in flight
    utility.advance(timedelta(minutes=2))  # the trip lands, the reconnection starts at once
    with utility.services.db.reading() as session:
        order = session.execute(select(Reconnection)).scalar_one()
    assert order.trigger == "trip_result"
    utility.advance(timedelta(minutes=2))
    assert [c.action for c in commands(utility)] == ["trip", "direct_close"]
    assert utility.customer("3400000011").power_status == "connected"


def test_a_payment_cancels_a_trip_not_yet_sent(utility: Utility) -> None:
    owing(utility, "3400000011")
    batch = apply_and_approve(utility, ["3400000011"])
    issue(utility)  # the trip is queued in the outbox, not yet sent
    paid = record_payment(utility.services.runtime, {"payment_id": "P-11", "customer_number": "3400000011",
                                              "amount": "320.00", "paid_at": utility.services.clock.now().isoformat()})
    assert len(paid["cancelled_commands"]) == 1
    utility.advance(timedelta(minutes=2))
    [child] = children(utility, batch)
    assert child.result == {"customer": "3400000011", "outcome": "cancelled_paid",
                            "reason": "customer paid: the trip was cancelled before it was sent"}
    assert utility.customer("3400000011").power_status == "connected"
    assert [c.status for c in commands(utility)] == ["cancelled"]


def test_a_paid_customer_whose_trip_expires_without_a_result_is_reconnected(utility: Utility) -> None:
    owing(utility, "3400000011")
    utility.headend.set_behaviour(utility.customer("3400000011").meter_address, "never")
    apply_and_approve(utility, ["3400000011"])
    issue(utility)
    utility.advance(timedelta(minutes=1))  # the trip is accepted, never executed
    record_payment(utility.services.runtime, {"payment_id": "P-11", "customer_number": "3400000011", "amount": "320",
                                       "paid_at": utility.services.clock.now().isoformat()})
    utility.headend.set_behaviour(utility.customer("3400000011").meter_address, "succeeds")
    utility.advance(timedelta(minutes=32))  # the trip's wait expires: it may have landed
    with utility.services.db.reading() as session:
        order = session.execute(select(Reconnection)).scalar_one()
    assert order.trigger == "trip_expired"
    assert [c.action for c in commands(utility)] == ["trip", "direct_close"]
    assert utility.customer("3400000011").power_status == "connected"


def test_a_trip_reported_after_its_wait_expired_still_sets_the_power_status(utility: Utility) -> None:
    owing(utility, "3400000011")
    utility.headend.set_behaviour(utility.customer("3400000011").meter_address, "slow")  # executes at +45 min
    apply_and_approve(utility, ["3400000011"])
    issue(utility)
    utility.advance(timedelta(minutes=32))
    assert utility.customer("3400000011").power_status == "connected"  # expired, unknown: the executor decides
    utility.advance(timedelta(minutes=15))
    assert utility.customer("3400000011").power_status == "disconnected"  # the meter said so, late
    assert [c.status for c in commands(utility)] == ["expired"]


def test_m4_3_2_a_customer_protected_since_the_application_is_not_cut(utility: Utility) -> None:
    owing(utility, "3400000011")
    batch = apply_and_approve(utility, ["3400000011"])
    with utility.services.db.transaction() as session:
        session.execute(update(Customer).where(Customer.number == "3400000011")
                        .values(protected_kind="power_protect", protected_reason="Spring Festival supply"))
    issue(utility)
    utility.advance(timedelta(minutes=2))
    [child] = children(utility, batch)
    assert child.result == {"customer": "3400000011", "outcome": "protected"}
    assert commands(utility) == []


def test_m4_1_a_customer_who_owes_nothing_is_not_applied_for(utility: Utility) -> None:
    owing(utility, "3400000011", owed_cents=0)
    utility.services.runtime.start("disconnect", {}, READER)
    with pytest.raises(FormInvalid, match="not in arrears"):
        complete(utility, "apply", {"customers": ["3400000011"], "reason": "arrears", "planned_date": PLANNED},
                 READER)


def test_child_processes_are_started_by_the_system_only(utility: Utility) -> None:
    owing(utility, "3400000011")
    for process in ("disconnect_customer", "reconnect"):
        with pytest.raises(Forbidden, match="started by the system only"):
            utility.services.runtime.start(process, {"customer_number": "3400000011", "kept": True}, EXECUTOR)


def test_a_terminated_child_counts_as_not_disconnected_when_archiving(utility: Utility) -> None:
    owing(utility, "3400000011", "3400000015")
    utility.headend.set_behaviour(utility.customer("3400000015").meter_address, "never")
    batch = apply_and_approve(utility, ["3400000011", "3400000015"])
    issue(utility)
    utility.advance(timedelta(minutes=2))
    stuck = children(utility, batch)[1]
    utility.services.runtime.terminate(stuck.id, "meter replaced, order void", Actor("sam", frozenset({"sysadmin"})))
    utility.run()  # the worker's tick wakes the batch
    complete(utility, "send_to_archive", {"children": "forged"}, EXECUTOR, batch)  # form data cannot forge
    done = instance(utility, batch)
    assert done.status == "completed"
    assert (done.result["disconnected"], done.result["not_disconnected"]) == (["3400000011"], ["3400000015"])


def test_m4_3_the_commands_are_not_issued_before_the_date_the_notice_named(utility: Utility) -> None:
    owing(utility, "3400000011")
    utility.services.runtime.start("disconnect", {}, READER)
    complete(utility, "apply", {"customers": ["3400000011"], "reason": "arrears", "planned_date": "2026-03-05"},
             READER)
    complete(utility, "approve", {"opinion": "agreed", "decision": "approve"}, APPROVER)
    with pytest.raises(FormInvalid, match="told the disconnection is on 2026-03-05"):
        issue(utility)
    utility.clock.shift(timedelta(days=3))
    issue(utility)
    assert [c.action for c in commands(utility)] == ["trip"]


def test_m4_3_malformed_keep_or_cancel_is_a_form_error_not_a_crash(utility: Utility) -> None:
    owing(utility, "3400000011")
    apply_and_approve(utility, ["3400000011"])
    for keep, cancel in (({}, 5), ({}, True), ([1], []), (True, []), ({"3400000011": 7}, []), ({}, [7])):
        with pytest.raises(FormInvalid, match=r"keep|cancel"):
            complete(utility, "issue", {"keep": keep, "cancel": cancel}, EXECUTOR)
    issue(utility)  # the task is still open and takes well-formed data
    assert [c.action for c in commands(utility)] == ["trip"]


def test_m4_1_an_application_holds_at_most_the_diagrams_max_customers(utility: Utility) -> None:
    owing(utility, "3400000011", "3400000012")
    utility.services.runtime.start("disconnect", {}, READER)
    too_many = [f"34{n:08d}" for n in range(501)]
    with pytest.raises(FormInvalid, match="at most 500 customers"):
        complete(utility, "apply", {"customers": too_many, "reason": "arrears", "planned_date": "2026-03-02"}, READER)
    edited = (BPMN_DIR / "disconnect.bpmn").read_bytes().replace(
        b'name="max_customers" value="500"', b'name="max_customers" value="1"')
    utility.services.deploy_files({"disconnect.bpmn": edited, **child_bundle()}, DEPLOYER)
    second = utility.services.runtime.start("disconnect", {}, READER)  # the analyst's new version
    with pytest.raises(FormInvalid, match="at most 1 customers"):
        complete(utility, "apply", {"customers": ["3400000011", "3400000012"], "reason": "arrears",
                                    "planned_date": "2026-03-02"}, READER, second)


def test_m4_3_7_the_batch_is_told_its_id_and_archiving_reads_the_results_by_it(utility: Utility) -> None:
    """Issue 14 item 9: the batch's state and history do not carry every customer's result."""
    owing(utility, "3400000011", "3400000015")
    batch = apply_and_approve(utility, ["3400000011", "3400000015"])
    issue(utility)
    utility.advance(timedelta(minutes=2))
    utility.run()
    complete(utility, "send_to_archive", {}, EXECUTOR, batch)
    with utility.services.db.reading() as session:
        recorded = {e.type: e.data for e in session.execute(select(HistoryEvent).where(
            HistoryEvent.instance_id == batch, HistoryEvent.type.in_(("message.received", "service.called")))
            .order_by(HistoryEvent.seq)).scalars()}  # the last service call is the archive's
    told = recorded["message.received"]["payload"]
    assert told == {"batch_id": told["batch_id"], "size": 2, "statuses": {"completed": 2}}
    assert recorded["service.called"]["params"] == {"batch_id": told["batch_id"]}
    assert instance(utility, batch).result["disconnected"] == ["3400000011", "3400000015"]


def test_m4_3_7_a_batch_on_a_version_deployed_before_archives_from_its_message(utility: Utility) -> None:
    """A version that has the results in its message (before issue 14 item 9) keeps working."""
    source = (BPMN_DIR / "disconnect.bpmn").read_text(encoding="utf-8")
    older = source.replace('<spiffworkflow:parameter id="with_results" type="bool" value="False" />', "").replace(
        '<spiffworkflow:parameter id="batch_id" type="int" value="children[&#39;batch_id&#39;]" />',
        '<spiffworkflow:parameter id="children" type="any" value="children[&#39;results&#39;]" />')
    assert older.count("children[&#39;results&#39;]") == 1 and "with_results" not in older
    utility.services.deploy_files({"disconnect.bpmn": older.encode(), **child_bundle()}, DEPLOYER)
    owing(utility, "3400000011")
    batch = apply_and_approve(utility, ["3400000011"])
    issue(utility)
    utility.advance(timedelta(minutes=2))
    utility.run()
    complete(utility, "send_to_archive", {}, EXECUTOR, batch)
    with utility.services.db.reading() as session:
        told = session.execute(select(HistoryEvent.data).where(
            HistoryEvent.instance_id == batch, HistoryEvent.type == "message.received")).scalar_one()["payload"]
    assert [child["result"]["customer"] for child in told["results"]] == ["3400000011"]
    assert instance(utility, batch).result["disconnected"] == ["3400000011"]
