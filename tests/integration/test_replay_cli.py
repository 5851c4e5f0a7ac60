"""Issue 5 §3: ``relayflow replay INSTANCE [--verify]`` and ``relayflow replay --all --since DATE``:
"verified" or the first divergence, exit 1 on any divergence, and each run in the audit stream."""

from __future__ import annotations

from datetime import timedelta

import pytest
from click.testing import Result
from sqlalchemy import select, update

from app.audit import parallel
from app.usecases.reconnections import run_patrol
from storage.models import HistoryEvent, Instance
from tests.conftest import tampering
from tests.integration.test_replay import NUMBER, event, failing_reconnection
from tests.utility import Utility, seed_customer, utility

__all__ = ["utility"]


def run(u: Utility, *args: str) -> Result:
    return u.app.test_cli_runner().invoke(args=list(args))


def audit_events(u: Utility) -> list[HistoryEvent]:
    with u.services.db.reading() as session:
        return list(session.execute(select(HistoryEvent).where(HistoryEvent.stream == "audit")
                                    .order_by(HistoryEvent.seq)).scalars())


def test_replay_prints_each_reproduced_event_then_the_verdict(utility: Utility) -> None:
    instance_id = failing_reconnection(utility)
    result = run(utility, "replay", str(instance_id))
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[-1].startswith(f"instance {instance_id}: verified (")
    assert any("timer.fired" in line and "retry_wait" in line for line in lines)
    assert "2026-03-02 09:00:00" in lines[0]  # Beijing time
    [recorded] = audit_events(utility)
    assert (recorded.type, recorded.data["instance_id"], recorded.data["verified"]) == ("replay.run", instance_id, True)
    assert recorded.actor.startswith("cli:")


def test_replay_verify_prints_the_divergence_and_exits_1(utility: Utility) -> None:
    instance_id = failing_reconnection(utility)
    prepared = event(utility, instance_id, "service.called", "prepare")
    with tampering(utility.services) as session:
        session.execute(update(HistoryEvent).where(HistoryEvent.id == prepared.id).values(
            data={**prepared.data, "result": {**prepared.data["result"], "auto": False}}))
    result = run(utility, "replay", str(instance_id), "--verify")
    assert result.exit_code == 1
    assert result.output.strip().startswith(f"instance {instance_id}: diverged at event #")
    assert "expected service.called auto_order" in result.output
    assert audit_events(utility)[-1].data["verified"] is False


def test_replay_all_since_a_date_summarises(utility: Utility) -> None:
    failing_reconnection(utility)
    result = run(utility, "replay", "--all", "--since", "2026-03-02")
    assert result.exit_code == 0, result.output
    assert "1 cases: 1 verified, 0 diverged" in result.output
    later = run(utility, "replay", "--all", "--since", "2026-03-03")
    assert "0 cases: 0 verified, 0 diverged" in later.output
    assert [e.data.get("cases") for e in audit_events(utility)] == [1, 0]


def test_bad_replay_arguments_are_refused_clearly(utility: Utility) -> None:
    utility.advance(timedelta(minutes=1))
    assert "give one INSTANCE or --all" in run(utility, "replay").output
    assert "give one INSTANCE or --all" in run(utility, "replay", "1", "--all").output
    assert "--since goes with --all" in run(utility, "replay", "1", "--since", "2026-03-01").output
    missing = run(utility, "replay", "999")
    assert missing.exit_code == 1 and "instance 999 does not exist" in missing.output
    assert run(utility, "replay", "--all", "--since", "March").exit_code == 2
    assert audit_events(utility) == []


def test_replay_all_on_two_processes_finds_what_one_finds(utility: Utility, monkeypatch: pytest.MonkeyPatch) -> None:
    """Issue 14 item 7: ``--jobs 2`` replays the cases on two processes; same verdicts, same order."""
    for number in ("3400000002", "3400000003"):
        seed_customer(utility.services, number)  # reconnected by the same patrol, successfully
    seed_customer(utility.services, NUMBER)
    utility.headend.set_behaviour(utility.customer(NUMBER).meter_address, "fails")
    run_patrol(utility.services.runtime)
    utility.advance(timedelta(hours=6))
    with utility.services.db.reading() as session:
        instance_id = session.execute(select(Instance.id).where(
            Instance.start_data["customer_number"].as_string() == NUMBER)).scalar_one()
    prepared = event(utility, instance_id, "service.called", "prepare")
    with tampering(utility.services) as session:
        session.execute(update(HistoryEvent).where(HistoryEvent.id == prepared.id).values(
            data={**prepared.data, "result": {**prepared.data["result"], "auto": False}}))
    monkeypatch.setattr(parallel, "CHUNK", 1)  # one case per task: both processes get some

    def verdicts(*args: str) -> tuple[int, list[str]]:
        result = run(utility, "replay", "--all", *args)
        return result.exit_code, [line.split(" (")[0] for line in result.stdout.splitlines()]  # not the timing

    one, two = verdicts(), verdicts("--jobs", "2")
    assert one == two and one[0] == 1
    assert one[1][-1] == "3 cases: 2 verified, 1 diverged"
