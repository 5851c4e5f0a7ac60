"""Issue 12 item 7 on the real bpmn/reconnect.bpmn: a running reconnection moved from version 1
(3 sends, 2 h apart: M5.2) to an analyst's version 2 (4 sends, 45 min apart) follows version 2
from its next step, while a case left on version 1 keeps 3 × 2 h; both replay as verified (the
autouse fixture of this package replays every case)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from app.runtime.actors import Actor
from app.runtime.errors import Forbidden, RuntimeActionError
from app.runtime.migration import BlockReason
from app.runtime.steps.moving import Mover
from app.usecases.reconnections import run_patrol
from storage.domain_models import Reconnection
from storage.models import HistoryEvent, Instance, ProcessVersion
from tests.utility import BPMN_DIR, DEPLOYER, READER_MOBILE, Utility, child_bundle, seed_customer
from tests.workflow.test_reconnect import commands, gaps_between

SYSADMIN = Actor("sam", frozenset({"sysadmin"}))
ANALYST = Actor("ann", frozenset({"analyst"}))
REASON = "M5.2 change: 4 sends, 45 minutes apart"


def edited_reconnect() -> bytes:
    return (BPMN_DIR / "reconnect.bpmn").read_bytes().replace(
        b'loopMaximum="3"', b'loopMaximum="4"').replace(b'"PT2H"', b'"PT45M"')


def instance_of(u: Utility, number: str) -> int:
    with u.services.db.reading() as session:
        found = session.execute(select(Reconnection.instance_id).where(
            Reconnection.customer_id == u.customer(number).id)).scalar_one()
    assert found is not None
    return int(found)


def version_of(u: Utility, instance_id: int) -> int:
    """The version number the instance runs on."""
    with u.services.db.reading() as session:
        return int(session.execute(select(ProcessVersion.version).join(
            Instance, Instance.process_version_id == ProcessVersion.id).where(Instance.id == instance_id)).scalar_one())


def start_two_waiting_cases(u: Utility) -> tuple[int, int]:
    """Two reconnections on version 1, each after its first send, waiting for the head-end."""
    for number in ("3400000001", "3400000002"):
        seed_customer(u.services, number)
        u.headend.set_behaviour(u.customer(number).meter_address, "never")
    run_patrol(u.services.runtime)
    u.advance(timedelta(minutes=5))
    return instance_of(u, "3400000001"), instance_of(u, "3400000002")


def test_a_moved_case_follows_version_2_and_one_left_behind_keeps_3_sends_2_hours_apart(utility: Utility) -> None:
    moved, kept = start_two_waiting_cases(utility)
    utility.services.deploy_files({"reconnect.bpmn": edited_reconnect()}, DEPLOYER)
    mover = Mover(utility.services.runtime)

    dry = mover.dry_run("reconnect", 1, 2, SYSADMIN)
    assert [(c.instance_id, c.can_move, c.positions) for c in dry.candidates] == [
        (moved, True, ("await_result", "result_timeout")), (kept, True, ("await_result", "result_timeout"))]
    [outcome] = mover.move("reconnect", 1, 2, [moved], REASON, SYSADMIN)
    assert outcome.moved

    utility.advance(timedelta(hours=7))

    sends = commands(utility, "3400000001")
    assert [c.status for c in sends] == ["expired"] * 4
    # each send: 30 min without a result (the timeout that ran before the move keeps its time), then 45 min
    assert all(timedelta(minutes=75) <= gap <= timedelta(minutes=77) for gap in gaps_between(sends))
    reader_texts = [m["text"] for m in utility.sms() if m["to"] == READER_MOBILE]
    assert any("4次均失败" in text for text in reader_texts)
    left = commands(utility, "3400000002")
    assert len(left) == 3 and all(timedelta(hours=2, minutes=30) <= gap <= timedelta(hours=2, minutes=32)
                                  for gap in gaps_between(left))
    assert (version_of(utility, moved), version_of(utility, kept)) == (2, 1)


def test_the_move_is_in_the_instances_history_with_who_and_why(utility: Utility) -> None:
    moved, _ = start_two_waiting_cases(utility)
    [bundle] = utility.services.deploy_files({"reconnect.bpmn": edited_reconnect()}, DEPLOYER)
    Mover(utility.services.runtime).move("reconnect", 1, 2, [moved], REASON, SYSADMIN)
    with utility.services.db.reading() as session:
        event = session.execute(select(HistoryEvent).where(HistoryEvent.instance_id == moved,
                                                           HistoryEvent.type == "instance.moved")).scalar_one()
    assert event.actor == "sam"
    assert event.data["reason"] == REASON
    assert (event.data["from_version"], event.data["to_version"]) == (1, 2)
    assert event.data["to_deployment_id"] == bundle.deployment_id != event.data["from_deployment_id"]


def test_a_case_waiting_on_a_changed_timer_cannot_move(utility: Utility) -> None:
    seed_customer(utility.services, "3400000001")
    utility.headend.set_behaviour(utility.customer("3400000001").meter_address, "fails")
    run_patrol(utility.services.runtime)
    utility.advance(timedelta(minutes=5))  # the send failed: waiting 2 h before the next
    utility.services.deploy_files({"reconnect.bpmn": edited_reconnect()}, DEPLOYER)
    mover = Mover(utility.services.runtime)

    [candidate] = mover.dry_run("reconnect", 1, 2, SYSADMIN).candidates
    assert [(b.reason, b.element_id, b.detail) for b in candidate.blockers] == [
        (BlockReason.CHANGED, "retry_wait", "timer")]
    [outcome] = mover.move("reconnect", 1, 2, [candidate.instance_id], REASON, SYSADMIN)
    assert not outcome.moved and outcome.blockers == candidate.blockers
    assert version_of(utility, candidate.instance_id) == 1  # nothing of the refused move was kept


def test_suspended_cases_and_parents_of_a_child_batch_cannot_move(utility: Utility) -> None:
    moved, suspended = start_two_waiting_cases(utility)
    utility.services.runtime.suspend(suspended, "checking the meter", SYSADMIN)
    utility.services.deploy_files({"reconnect.bpmn": edited_reconnect()}, DEPLOYER)
    dry = Mover(utility.services.runtime).dry_run("reconnect", 1, 2, SYSADMIN)
    assert {c.instance_id: [b.reason for b in c.blockers] for c in dry.candidates} == {
        moved: [], suspended: [BlockReason.SUSPENDED]}


def test_only_a_sysadmin_moves_and_a_reason_is_required(utility: Utility) -> None:
    moved, _ = start_two_waiting_cases(utility)
    utility.services.deploy_files({"reconnect.bpmn": edited_reconnect()}, DEPLOYER)
    mover = Mover(utility.services.runtime)
    with pytest.raises(Forbidden):
        mover.dry_run("reconnect", 1, 2, ANALYST)
    with pytest.raises(Forbidden):
        mover.move("reconnect", 1, 2, [moved], REASON, ANALYST)
    with pytest.raises(RuntimeActionError, match="reason"):
        mover.move("reconnect", 1, 2, [moved], "  ", SYSADMIN)
    with pytest.raises(RuntimeActionError, match="no version 9"):
        mover.dry_run("reconnect", 1, 9, SYSADMIN)


def test_a_case_moved_to_a_version_without_the_success_sms_ends_without_it(utility: Utility) -> None:
    """M5.3's SMS removed in version 2: the moved case, waiting for its first result, no longer
    tells the customer (its predicted branch follows version 2); the case left on 1 still does."""
    from tests.unit.test_compare import without_success_sms

    moved, kept = start_two_waiting_cases(utility)
    edited = without_success_sms((BPMN_DIR / "reconnect.bpmn").read_bytes())
    utility.services.deploy_files({"reconnect.bpmn": edited}, DEPLOYER)
    mover = Mover(utility.services.runtime)
    assert all(c.can_move for c in mover.dry_run("reconnect", 1, 2, SYSADMIN).candidates)
    assert mover.move("reconnect", 1, 2, [moved], REASON, SYSADMIN)[0].moved

    for number in ("3400000001", "3400000002"):
        utility.headend.set_behaviour(utility.customer(number).meter_address, "succeeds")
    utility.advance(timedelta(hours=3))  # the result never came: a second send, which succeeds

    told = {m["to"] for m in utility.sms()}
    assert utility.customer("3400000001").power_status == utility.customer("3400000002").power_status == "connected"
    assert "13800138000" in told  # the kept case's customer (both share the seed's mobile): the SMS went once
    with utility.services.db.reading() as session:
        sent = session.execute(select(HistoryEvent.instance_id).where(
            HistoryEvent.type == "element.completed", HistoryEvent.element_id == "tell_customer")).scalars().all()
    assert sent == [kept]


def test_the_parent_of_a_child_batch_cannot_move_its_children_can(utility: Utility) -> None:
    """M4.3: a disconnection batch waits for one child instance per customer; the children start on
    the version of the batch's deployment, so the batch itself stays while they run."""
    from tests.workflow.test_disconnect import apply_and_approve, children, issue, owing

    owing(utility, "3400000011")
    utility.headend.set_behaviour(utility.customer("3400000011").meter_address, "never")
    batch = apply_and_approve(utility, ["3400000011"])
    issue(utility)
    utility.advance(timedelta(minutes=2))
    [child] = children(utility, batch)
    edited = (BPMN_DIR / "disconnect.bpmn").read_bytes().replace(b"arrears", b"arrears ")
    utility.services.deploy_files({"disconnect.bpmn": edited, **child_bundle()}, DEPLOYER)
    mover = Mover(utility.services.runtime)
    [parent] = mover.dry_run("disconnect", 1, 2, SYSADMIN).candidates
    assert [b.reason for b in parent.blockers] == [BlockReason.CHILD_BATCH]
    [outcome] = mover.move("disconnect", 1, 2, [batch], REASON, SYSADMIN)
    assert not outcome.moved and [b.reason for b in outcome.blockers] == [BlockReason.CHILD_BATCH]
    [kid] = mover.dry_run("disconnect_customer", 1, 2, SYSADMIN).candidates
    assert kid.instance_id == child.id and kid.can_move


def test_an_open_user_task_whose_form_changes_cannot_move(utility: Utility) -> None:
    from tests.workflow.test_disconnect import READER, owing

    owing(utility, "3400000011")
    utility.services.runtime.start("disconnect", {}, READER)  # waits in "apply"
    edited = (BPMN_DIR / "disconnect.bpmn").read_bytes()
    assert b'name="validator" value="disconnection.application"' in edited
    edited = edited.replace(b'name="validator" value="disconnection.application"',
                            b'name="validator" value="disconnection.approval"')
    utility.services.deploy_files({"disconnect.bpmn": edited, **child_bundle()}, DEPLOYER)
    [candidate] = Mover(utility.services.runtime).dry_run("disconnect", 1, 2, SYSADMIN).candidates
    assert [(b.reason, b.element_id, b.detail) for b in candidate.blockers] == [
        (BlockReason.CHANGED, "apply", "property:validator")]


def test_an_auditors_case_file_shows_the_move_and_verifies(utility: Utility) -> None:
    from app.audit.case_file import case_document, read_case, replay_verdict, verify_case

    moved, _ = start_two_waiting_cases(utility)
    [bundle] = utility.services.deploy_files({"reconnect.bpmn": edited_reconnect()}, DEPLOYER)
    Mover(utility.services.runtime).move("reconnect", 1, 2, [moved], REASON, SYSADMIN)
    utility.advance(timedelta(hours=2))  # a send on version 2 after the move
    services = utility.services
    with services.db.reading() as session:
        case = read_case(session, moved)
        verdict = replay_verdict(services.db, services.runtime, moved)
        document = case_document(case, verify_case(session, case, verdict), exported_at=services.clock.now(),
                                 exported_by="audrey")
    assert verdict.verified, verdict.summary
    [move] = document["moves"]
    assert (move["actor"], move["reason"], move["from_version"], move["to_version"]) == ("sam", REASON, 1, 2)
    assert document["deployment"]["id"] == move["to_deployment_id"] == bundle.deployment_id
    assert document["verification"]["chain"]["intact"]


def test_a_move_whose_record_was_rewritten_does_not_replay(utility: Utility) -> None:
    """The replay applies the move at its recorded point: a history that says the case moved from
    another deployment than the one it ran on diverges there."""
    from sqlalchemy import update

    from app.audit.replay import Replayer
    from tests.conftest import tampering

    moved, _ = start_two_waiting_cases(utility)
    utility.services.deploy_files({"reconnect.bpmn": edited_reconnect()}, DEPLOYER)
    Mover(utility.services.runtime).move("reconnect", 1, 2, [moved], REASON, SYSADMIN)
    with tampering(utility.services) as session:
        event = session.execute(select(HistoryEvent).where(HistoryEvent.type == "instance.moved")).scalar_one()
        recorded, seq = dict(event.data), event.seq
        session.execute(update(HistoryEvent).where(HistoryEvent.id == event.id).values(
            data={**recorded, "from_deployment_id": 99}))
    result = Replayer(utility.services.db, utility.services.runtime).replay(moved)
    assert not result.verified and result.divergence is not None
    assert result.divergence.seq == seq and "99" in result.divergence.actual
    with tampering(utility.services) as session:  # put it back: the package's fixture replays every case
        session.execute(update(HistoryEvent).where(HistoryEvent.type == "instance.moved").values(data=recorded))


def test_a_loop_in_flight_whose_structure_changes_cannot_move(utility: Utility) -> None:
    """The loop's maximum is policy and may change under a running loop; whether it tests its
    condition before each send is its structure: the case waits in the loop, so it stays."""
    moved, _ = start_two_waiting_cases(utility)
    edited = (BPMN_DIR / "reconnect.bpmn").read_bytes().replace(
        b'<bpmn:standardLoopCharacteristics loopMaximum="3">',
        b'<bpmn:standardLoopCharacteristics testBefore="true" loopMaximum="4">')
    utility.services.deploy_files({"reconnect.bpmn": edited}, DEPLOYER)
    candidate = Mover(utility.services.runtime).dry_run("reconnect", 1, 2, SYSADMIN).candidates[0]
    assert candidate.instance_id == moved
    assert [(b.reason, b.element_id, b.detail) for b in candidate.blockers] == [
        (BlockReason.LOOP, "attempts", "loop_maximum, loop_tests_first")]
