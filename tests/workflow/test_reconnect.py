"""M5 automatic remote reconnection on the real bpmn/reconnect.bpmn, the real handlers, the
simulated head-end and a travelling clock. Each test names the rule it proves."""

from __future__ import annotations

import itertools
import logging
from datetime import timedelta

import pytest
from sqlalchemy import select

from app.runtime.actors import Actor
from app.runtime.forms import FormInvalid
from app.usecases.payments import record_payment
from app.usecases.reconnections import reconnect, run_patrol
from storage.domain_models import MeterCommand, Reconnection
from storage.models import Instance, UserTask
from tests.utility import BPMN_DIR, DEPLOYER, READER_MOBILE, Utility, seed_customer

EXECUTOR = Actor("erin", frozenset({"executor"}))


def reconnection(u: Utility, number: str) -> Reconnection:
    with u.services.db.reading() as session:
        return session.execute(select(Reconnection).where(Reconnection.customer_id == u.customer(number).id)
                               .order_by(Reconnection.id.desc()).limit(1)).scalar_one()


def commands(u: Utility, number: str) -> list[MeterCommand]:
    with u.services.db.reading() as session:
        return list(session.execute(select(MeterCommand).where(MeterCommand.customer_id == u.customer(number).id)
                                    .order_by(MeterCommand.id)).scalars())


def gaps_between(sends: list[MeterCommand]) -> list[timedelta]:
    return [later.created_at - earlier.created_at for earlier, later in itertools.pairwise(sends)]


def instance(u: Utility, instance_id: int | None) -> Instance:
    assert instance_id is not None
    with u.services.db.reading() as session:
        row = session.get(Instance, instance_id)
        assert row is not None
        return row


def on_site_task(u: Utility, instance_id: int | None) -> UserTask:
    with u.services.db.reading() as session:
        return session.execute(select(UserTask).where(UserTask.instance_id == instance_id)).scalar_one()


def test_m5_1_patrol_reconnects_a_flagged_paid_up_customer_remotely(utility: Utility) -> None:
    seed_customer(utility.services, "3400000001")
    report = run_patrol(utility.services.runtime)
    assert (report.candidates, report.started) == (1, 1)
    order = reconnection(utility, "3400000001")
    assert (order.status, order.auto_order_no, order.manual_order_no) == ("open", "10000001", None)

    utility.advance(timedelta(minutes=2))

    order = reconnection(utility, "3400000001")
    assert (order.status, order.outcome) == ("closed", "reconnected_remote")
    assert instance(utility, order.instance_id).status == "completed"
    [command] = commands(utility, "3400000001")
    assert (command.action, command.status, command.relay) == ("direct_close", "executed", "closed")


def test_m5_1_work_order_numbers_are_10_plus_6_digits_and_14_plus_10_digits(utility: Utility) -> None:
    seed_customer(utility.services, "3400000001")
    seed_customer(utility.services, "3400000002", auto_reconnect=False)
    run_patrol(utility.services.runtime)
    assert reconnection(utility, "3400000001").auto_order_no == "10000001"
    assert reconnection(utility, "3400000002").manual_order_no == "140000000001"


def test_m5_1_an_unflagged_customer_gets_a_manual_order_at_once(utility: Utility) -> None:
    seed_customer(utility.services, "3400000002", auto_reconnect=False)
    run_patrol(utility.services.runtime)
    order = reconnection(utility, "3400000002")
    task = on_site_task(utility, order.instance_id)
    assert (task.element_id, task.lane) == ("on_site", "executor")
    assert commands(utility, "3400000002") == []  # nothing is sent to the meter

    utility.clock.shift(timedelta(hours=3))
    at = utility.services.clock.now().isoformat()
    utility.services.runtime.complete_task(task.id, {"reconnected_at": at, "note": "fuse replaced"}, EXECUTOR)

    assert reconnection(utility, "3400000002").outcome == "reconnected_on_site"
    customer = utility.customer("3400000002")
    assert (customer.power_status, customer.last_reconnected_at.isoformat()) == ("connected", at)


def test_a_manual_order_is_in_the_workers_log(utility: Utility, caplog: pytest.LogCaptureFixture) -> None:
    """Issue 10 item 14: the `make run` log shows the manual orders the patrol opens, not only the
    automatic ones' commands."""
    seed_customer(utility.services, "3400000002", auto_reconnect=False)
    with caplog.at_level(logging.INFO, logger="relayflow.reconnection"):
        run_patrol(utility.services.runtime)
    order = reconnection(utility, "3400000002")
    assert [r.getMessage() for r in caplog.records if r.name == "relayflow.reconnection"] == [
        f"manual reconnection order {order.manual_order_no} opened (instance {order.instance_id}): on-site work"]


def test_m5_1_one_open_reconnection_per_customer(utility: Utility) -> None:
    seed_customer(utility.services, "3400000002", auto_reconnect=False)
    assert run_patrol(utility.services.runtime).started == 1
    assert run_patrol(utility.services.runtime).candidates == 0  # an open order hides the customer
    customer = utility.customer("3400000002")
    assert reconnect(utility.services.runtime, customer.id, customer.number, "payment") is None  # the index says no
    with utility.services.db.reading() as session:
        assert len(session.execute(select(Reconnection)).all()) == 1


def test_m5_1_the_patrol_leaves_customers_who_still_owe_or_are_connected(utility: Utility) -> None:
    seed_customer(utility.services, "3400000003", owed_cents=1250)
    seed_customer(utility.services, "3400000004", power_status="connected")
    assert run_patrol(utility.services.runtime).candidates == 0


def test_m5_2_accepted_is_not_reconnected_only_a_closed_relay_is(utility: Utility) -> None:
    seed_customer(utility.services, "3400000001")
    utility.headend.set_behaviour(utility.customer("3400000001").meter_address, "never")
    run_patrol(utility.services.runtime)
    utility.advance(timedelta(minutes=29))
    assert commands(utility, "3400000001")[0].status == "accepted"
    assert utility.customer("3400000001").power_status == "disconnected"
    utility.advance(timedelta(minutes=2))  # the 30-minute result timeout
    assert commands(utility, "3400000001")[0].status == "expired"


def test_m5_2_a_reconnect_that_succeeds_on_the_third_send(utility: Utility) -> None:
    seed_customer(utility.services, "3400000001")
    meter = utility.customer("3400000001").meter_address
    utility.headend.set_behaviour(meter, "never")
    run_patrol(utility.services.runtime)

    utility.advance(timedelta(minutes=30 + 120 + 3))  # timeout, 2 h wait, second send
    assert len(commands(utility, "3400000001")) == 2
    utility.advance(timedelta(minutes=30 + 115))  # second timeout, not yet the third send
    assert len(commands(utility, "3400000001")) == 2
    utility.headend.set_behaviour(meter, "succeeds")
    utility.advance(timedelta(minutes=10))

    sends = commands(utility, "3400000001")
    assert [c.status for c in sends] == ["expired", "expired", "executed"]
    third_after = sends[2].created_at - sends[0].created_at
    assert timedelta(hours=5) < third_after <= timedelta(hours=5, minutes=5)  # 2 × (30 min + 2 h), ticks of 1 min
    assert utility.customer("3400000001").power_status == "connected"


def test_m5_2_three_sends_in_all_then_m5_3_sms_to_reader_and_a_manual_order(utility: Utility) -> None:
    seed_customer(utility.services, "3400000001")
    utility.headend.set_behaviour(utility.customer("3400000001").meter_address, "fails")
    run_patrol(utility.services.runtime)

    utility.advance(timedelta(hours=6))

    sends = commands(utility, "3400000001")
    assert [c.status for c in sends] == ["failed", "failed", "failed"]
    assert all(timedelta(hours=2) < gap <= timedelta(hours=2, minutes=4) for gap in gaps_between(sends))
    [reader_sms] = [m for m in utility.sms() if m["to"] == READER_MOBILE]
    assert "3次均失败" in reader_sms["text"] and "10000001" in reader_sms["text"]
    order = reconnection(utility, "3400000001")
    assert (order.status, order.manual_order_no) == ("open", "140000000001")
    assert on_site_task(utility, order.instance_id).element_id == "on_site"


def test_m5_2_an_offline_meter_fails_every_send_and_goes_on_site(utility: Utility) -> None:
    seed_customer(utility.services, "3400000005", channel_online=False)
    utility.headend.set_behaviour(utility.customer("3400000005").meter_address, "offline")
    run_patrol(utility.services.runtime)
    utility.advance(timedelta(hours=6))
    sends = commands(utility, "3400000005")
    assert [c.status for c in sends] == ["failed", "failed", "failed"]
    assert all("电表离线" in (c.error or "") for c in sends)  # the simulated head-end answers in Chinese
    assert reconnection(utility, "3400000005").manual_order_no == "140000000001"


def test_m5_3_power_restored_sms_to_a_subscribed_customer(utility: Utility) -> None:
    seed_customer(utility.services, "3400000001")
    seed_customer(utility.services, "3400000006", subscribed=(), mobile="13800138006")
    run_patrol(utility.services.runtime)
    utility.advance(timedelta(minutes=2))
    texts = {m["to"]: m["text"] for m in utility.sms()}
    assert "恢复供电" in texts["13800138000"] and texts["13800138000"].startswith("【")
    assert "13800138006" not in texts  # not subscribed (M2.1): no SMS, still reconnected
    assert utility.customer("3400000006").power_status == "connected"


def test_m5_4_the_reconnection_flag_and_time_are_recorded(utility: Utility) -> None:
    seed_customer(utility.services, "3400000001")
    run_patrol(utility.services.runtime)
    utility.advance(timedelta(minutes=2))
    customer = utility.customer("3400000001")
    [command] = commands(utility, "3400000001")
    assert customer.power_status == "connected"
    assert customer.last_reconnected_at == command.executed_at == customer.power_status_since


def test_a_payment_that_clears_the_debt_reconnects_at_once_and_counts_once(utility: Utility) -> None:
    seed_customer(utility.services, "3400000007", owed_cents=25_000)
    payment = {"payment_id": "P-1", "customer_number": "3400000007", "amount": "250.00",
               "paid_at": utility.services.clock.now().isoformat()}
    first = record_payment(utility.services.runtime, payment)
    again = record_payment(utility.services.runtime, payment)
    assert first["owed_cents"] == 0 and first["reconnection_instance"] is not None
    assert again == {"payment_id": "P-1", "duplicate": True}
    utility.advance(timedelta(minutes=2))
    assert utility.customer("3400000007").power_status == "connected"


def test_an_analyst_edit_of_reconnect_bpmn_changes_the_behaviour(utility: Utility) -> None:
    edited = (BPMN_DIR / "reconnect.bpmn").read_bytes().replace(
        b'loopMaximum="3"', b'loopMaximum="5"').replace(b'"PT2H"', b'"PT30M"')
    [bundle] = utility.services.deploy_files({"reconnect.bpmn": edited}, DEPLOYER)
    assert bundle.versions == {"reconnect": 2}
    seed_customer(utility.services, "3400000001")
    utility.headend.set_behaviour(utility.customer("3400000001").meter_address, "fails")
    run_patrol(utility.services.runtime)

    utility.advance(timedelta(hours=4))

    sends = commands(utility, "3400000001")
    assert len(sends) == 5
    assert all(timedelta(minutes=30) < gap <= timedelta(minutes=34) for gap in gaps_between(sends))
    assert "5次均失败" in next(m["text"] for m in utility.sms() if m["to"] == READER_MOBILE)


def test_a_terminated_reconnection_does_not_hide_the_customer_from_the_patrol(utility: Utility) -> None:
    seed_customer(utility.services, "3400000002", auto_reconnect=False)
    run_patrol(utility.services.runtime)
    first = reconnection(utility, "3400000002")
    utility.services.runtime.terminate(first.instance_id, "duplicate order", Actor("sam", frozenset({"sysadmin"})))
    report = run_patrol(utility.services.runtime)
    assert report.started == 1
    with utility.services.db.reading() as session:
        statuses = [r.status for r in session.execute(select(Reconnection).order_by(Reconnection.id)).scalars()]
    assert statuses == ["abandoned", "open"]


def test_the_on_site_task_needs_the_reconnection_time(utility: Utility) -> None:
    seed_customer(utility.services, "3400000002", auto_reconnect=False)
    run_patrol(utility.services.runtime)
    task = on_site_task(utility, reconnection(utility, "3400000002").instance_id)
    for bad in ({}, {"reconnected_at": "yesterday"}, {"reconnected_at": "2030-01-01T00:00:00+08:00"},
                {"reconnected_at": "0001-01-01T10:00:00+14:00"},  # before the order opened (and unstorable)
                {"reconnected_at": (utility.services.clock.now() - timedelta(hours=1)).isoformat()}):
        with pytest.raises(FormInvalid, match="reconnected_at"):
            utility.services.runtime.complete_task(task.id, bad, EXECUTOR)
    now = utility.services.clock.now().isoformat()
    # a key the validator does not return (here: another customer's number) is never stored
    utility.services.runtime.complete_task(task.id, {"reconnected_at": now, "customer_number": "3400000099"},
                                           EXECUTOR)
    assert utility.customer("3400000002").power_status == "connected"


def test_a_stale_patrol_candidate_is_not_reconnected_twice(utility: Utility) -> None:
    seed_customer(utility.services, "3400000001")
    run_patrol(utility.services.runtime)
    utility.advance(timedelta(minutes=2))  # reconnected and closed
    customer = utility.customer("3400000001")
    assert reconnect(utility.services.runtime, customer.id, customer.number, "patrol") is None
    assert len(commands(utility, "3400000001")) == 1
