"""Issue 5 §3: a case replays on a fresh workflow from its own deployment's BPMN, fed only the
recorded inputs, and must reproduce its recorded history; any change shows as a divergence
that names the event. (Every case of the process tests is replayed too: tests/workflow/conftest.py.)"""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from typing import Any

import time_machine
from flask import Flask
from SpiffWorkflow.bpmn.specs.event_definitions import timer
from sqlalchemy import select, update

from app.audit.replay import Replayer, ReplayResult
from app.runtime.deployment.bpmn_source import read_bpmn
from app.runtime.engine.clock import engine_time
from app.runtime.engine.live_cache import LiveWorkflows
from app.runtime.engine.parsing import parse_bundle
from app.usecases.reconnections import run_patrol
from storage.models import DeploymentFile, HistoryEvent, Instance, ProcessVersion
from tests.conftest import tampering
from tests.utility import BPMN_DIR, Utility, seed_customer, utility

NUMBER = "3400000001"
__all__ = ["utility"]


def failing_reconnection(u: Utility, hours: float = 6) -> int:
    """M5.2: a reconnection whose sends all fail (three, 2 h apart, then a manual order)."""
    seed_customer(u.services, NUMBER)
    u.headend.set_behaviour(u.customer(NUMBER).meter_address, "fails")
    run_patrol(u.services.runtime)
    u.advance(timedelta(hours=hours))
    with u.services.db.reading() as session:
        return session.execute(select(Instance.id).where(Instance.process_id == "reconnect")).scalar_one()


def replay(u: Utility, instance_id: int) -> ReplayResult:
    return Replayer(u.services.db, u.services.runtime).replay(instance_id)


def event(u: Utility, instance_id: int, event_type: str, element_id: str | None = None, nth: int = 0) -> HistoryEvent:
    with u.services.db.reading() as session:
        query = select(HistoryEvent).where(HistoryEvent.instance_id == instance_id, HistoryEvent.type == event_type)
        if element_id is not None:
            query = query.where(HistoryEvent.element_id == element_id)
        return list(session.execute(query.order_by(HistoryEvent.seq)).scalars())[nth]


def rewrite_data(u: Utility, row: HistoryEvent, data: dict[str, Any]) -> None:
    with tampering(u.services) as session:
        session.execute(update(HistoryEvent).where(HistoryEvent.id == row.id).values(data=data))


def test_a_reconnection_with_three_failed_sends_replays_to_its_history(utility: Utility) -> None:
    instance_id = failing_reconnection(utility)
    result = replay(utility, instance_id)
    assert result.verified, result.summary()
    with utility.services.db.reading() as session:
        recorded = session.execute(select(HistoryEvent.type).where(HistoryEvent.instance_id == instance_id)).all()
    assert result.compared == sum(1 for (kind,) in recorded if kind.startswith(("element.", "service.", "timer.")))
    assert result.compared > 50


def test_replay_never_reads_the_saved_state(utility: Utility) -> None:
    instance_id = failing_reconnection(utility, hours=3)
    with utility.services.db.transaction() as session:
        session.execute(update(Instance).where(Instance.id == instance_id).values(state='{"garbage": true}'))
    assert replay(utility, instance_id).verified


def test_a_changed_handler_result_is_a_divergence_at_the_first_event_it_changes(utility: Utility) -> None:
    instance_id = failing_reconnection(utility)
    prepared = event(utility, instance_id, "service.called", "prepare")
    rewrite_data(utility, prepared, {**prepared.data, "result": {**prepared.data["result"], "auto": False}})

    divergence = replay(utility, instance_id).divergence
    assert divergence is not None
    auto_order = event(utility, instance_id, "service.called", "auto_order")
    assert divergence.seq == auto_order.seq  # the flagged gateway now takes the manual branch
    assert "auto_order" in divergence.expected and "manual_order" in divergence.actual


def test_a_changed_message_payload_is_a_divergence(utility: Utility) -> None:
    instance_id = failing_reconnection(utility)
    result = event(utility, instance_id, "message.received", nth=0)
    payload = {**result.data["payload"], "stage": "executed", "relay": "closed"}
    rewrite_data(utility, result, {**result.data, "payload": payload})
    divergence = replay(utility, instance_id).divergence
    assert divergence is not None and divergence.seq is not None and divergence.seq > result.seq
    assert divergence.expected == "element.completed attempt_start"  # the history went on to send again...
    assert "reconnection.record_reconnected(" in divergence.actual  # ...the edited result says it is done


def test_a_changed_handler_parameter_is_named(utility: Utility) -> None:
    instance_id = failing_reconnection(utility)
    send = event(utility, instance_id, "service.called", "send_command", nth=1)
    rewrite_data(utility, send, {**send.data, "params": {**send.data["params"], "validity_minutes": 5}})
    divergence = replay(utility, instance_id).divergence
    assert divergence is not None and divergence.seq == send.seq
    assert '"validity_minutes":5' in divergence.expected and '"validity_minutes":30' in divergence.actual


def test_an_input_the_engine_cannot_take_is_a_divergence_not_a_crash(utility: Utility) -> None:
    instance_id = failing_reconnection(utility, hours=1)
    started = event(utility, instance_id, "instance.started")
    rewrite_data(utility, started, {**started.data, "data": "not an object"})
    divergence = replay(utility, instance_id).divergence
    assert divergence is not None and divergence.seq == started.seq
    assert divergence.actual.startswith("it could not be: TypeError")


def test_a_deleted_input_is_a_divergence(utility: Utility) -> None:
    instance_id = failing_reconnection(utility)
    fired = event(utility, instance_id, "timer.fired", "retry_wait", nth=1)
    with tampering(utility.services) as session:
        session.execute(HistoryEvent.__table__.delete().where(HistoryEvent.instance_id == instance_id,
                                                                HistoryEvent.seq >= fired.seq))
    divergence = replay(utility, instance_id).divergence
    assert divergence is not None  # the instance waits at the on-site task; the shortened history does not
    assert divergence.expected == "open user tasks ['on_site'] (the instance as it stands)"


def edit_loop_maximum_under_the_running_instance(app: Flask, maximum: int) -> None:
    """What a careless database edit would do: the stored spec of the running version changes."""
    services = app.extensions["relayflow"]
    source = (BPMN_DIR / "reconnect.bpmn").read_bytes().replace(b'loopMaximum="3"', f'loopMaximum="{maximum}"'.encode())
    parser = parse_bundle({"reconnect.bpmn": read_bpmn("reconnect.bpmn", source)})
    spec_json = services.runtime.codec.spec_to_json(parser.get_spec("reconnect"),
                                                    parser.get_subprocess_specs("reconnect"))
    with services.db.transaction() as session:
        session.execute(update(ProcessVersion).where(ProcessVersion.process_id == "reconnect").values(
            spec_json=spec_json))
    services.runtime._versions.clear()  # a restarted worker would read it afresh
    services.runtime.codec._specs.clear()
    services.runtime.live = LiveWorkflows(0)


def test_a_bpmn_edited_under_a_running_instance_is_a_divergence(utility: Utility) -> None:
    instance_id = failing_reconnection(utility, hours=1)  # one send failed; waiting 2 h for the next
    edit_loop_maximum_under_the_running_instance(utility.app, 2)
    utility.advance(timedelta(hours=5))
    with utility.services.db.reading() as session:
        sends = session.execute(select(HistoryEvent).where(
            HistoryEvent.instance_id == instance_id, HistoryEvent.type == "service.called",
            HistoryEvent.element_id == "send_command")).all()
    assert len(sends) == 2  # the edited diagram really changed what the instance did

    divergence = replay(utility, instance_id).divergence
    assert divergence is not None and divergence.seq is not None
    assert divergence.expected == "element.completed attempts"  # the edited loop stopped after two sends
    assert "attempt_start" in divergence.actual  # the deployed diagram loops for a third


def test_edited_deployment_files_are_refused_before_replaying(utility: Utility) -> None:
    instance_id = failing_reconnection(utility, hours=1)
    with utility.services.db.transaction() as session:
        session.execute(update(DeploymentFile).where(DeploymentFile.name == "reconnect.bpmn").values(
            content=(BPMN_DIR / "reconnect.bpmn").read_text().replace('loopMaximum="3"', 'loopMaximum="9"')))
    result = replay(utility, instance_id)
    assert result.divergence is not None
    assert "the BPMN was edited" in result.divergence.actual


def test_the_engine_time_moves_only_its_own_thread() -> None:
    moment = datetime(2020, 1, 1, tzinfo=UTC)
    seen: list[datetime] = []
    with engine_time(moment):
        other = threading.Thread(target=lambda: seen.append(timer.datetime.now(UTC)))
        other.start()
        other.join()
        assert timer.datetime.now(UTC) == moment
    assert seen[0].year >= 2026
    assert timer.datetime.now(UTC).year >= 2026


def test_a_case_run_on_a_ticking_clock_replays(utility: Utility) -> None:
    """Timers set mid-step take the step's time, not the wall clock's milliseconds (which no
    replay could reproduce)."""
    seed_customer(utility.services, NUMBER)
    utility.headend.set_behaviour(utility.customer(NUMBER).meter_address, "fails")
    with time_machine.travel(datetime(2026, 3, 2, 1, 0, tzinfo=UTC), tick=True) as ticking:
        run_patrol(utility.services.runtime)
        for _ in range(150):
            ticking.shift(timedelta(minutes=1))
            utility.run()
    with utility.services.db.reading() as session:
        instance_id = session.execute(select(Instance.id)).scalar_one()
        fired = session.execute(select(HistoryEvent).where(HistoryEvent.type == "timer.fired")).scalar_one()
    assert "." in fired.data["due"]  # the clock ticked: the due time carries the step's microseconds
    assert replay(utility, instance_id).verified
