"""The simulated head-end: what each behaviour reports, when, and in which order."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from handlers.headend_simulator import SimulatedHeadEnd
from tests.doubles import FakeClock

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(T0)


@pytest.fixture
def received() -> list[dict[str, Any]]:
    return []


def taking(received: list[dict[str, Any]]) -> Callable[[list[dict[str, Any]]], list[dict[str, Any]]]:
    """A sink that takes every result it is handed."""
    def sink(results: list[dict[str, Any]]) -> list[dict[str, Any]]:
        received.extend(results)
        return []
    return sink


def command(meter: str = "000000000001", action: str = "trip", command_id: str = "HES-1-a",
            deadline: datetime | None = None) -> dict[str, Any]:
    return {"command_id": command_id, "meter_address": meter, "action": action,
            "deadline": (deadline or T0 + timedelta(minutes=30)).isoformat()}


def timeline(received: list[dict[str, Any]]) -> list[tuple[str, float, str | None, str | None]]:
    """(stage, seconds after T0, relay, error) for each delivered result."""
    return [(r["stage"], (datetime.fromisoformat(r["at"]) - T0).total_seconds(), r.get("relay"), r.get("error"))
            for r in received]


def run_until(headend: SimulatedHeadEnd, clock: FakeClock, minutes: float) -> int:
    delivered = 0
    while clock.at < T0 + timedelta(minutes=minutes):
        clock.advance(seconds=1)
        delivered += headend.tick()
    return delivered


@pytest.mark.parametrize(("behaviour", "expected"), [
    ("succeeds", [("accepted", 5, None, None), ("executed", 30, "open", None)]),
    ("fails", [("accepted", 5, None, None), ("failed", 30, None, "继电器未动作")]),
    ("offline", [("failed", 120, None, "电表离线：电表无应答")]),
    ("slow", [("accepted", 5, None, None), ("executed", 45 * 60, "open", None)]),
    ("never", [("accepted", 5, None, None)]),
])
def test_each_behaviour_reports_its_sequence_at_its_times(
        behaviour: str, expected: list[Any], clock: FakeClock, received: list[dict[str, Any]]) -> None:
    headend = SimulatedHeadEnd(taking(received), clock, behaviours={"000000000001": behaviour})
    assert headend.send(command(), "k1") == {"simulated": True, "command_id": "HES-1-a", "repeat": False}
    assert run_until(headend, clock, minutes=60) == len(expected)
    assert timeline(received) == expected
    assert all(r["command_id"] == "HES-1-a" for r in received)
    assert headend.pending() == 0


def test_results_arrive_only_when_due(clock: FakeClock, received: list[dict[str, Any]]) -> None:
    headend = SimulatedHeadEnd(taking(received), clock)
    headend.send(command(), "k1")
    clock.advance(seconds=4)
    assert headend.tick() == 0
    clock.advance(seconds=1)
    assert headend.tick() == 1 and received[-1]["stage"] == "accepted"
    clock.advance(seconds=24)
    assert headend.tick() == 0
    clock.advance(seconds=1)
    assert headend.tick() == 1 and received[-1]["stage"] == "executed"


@pytest.mark.parametrize(("action", "relay"), [("trip", "open"), ("direct_close", "closed"),
                                               ("close_allowed", "open")])
def test_relay_after_execution_depends_on_the_action(
        action: str, relay: str, clock: FakeClock, received: list[dict[str, Any]]) -> None:
    headend = SimulatedHeadEnd(taking(received), clock)
    headend.send(command(action=action), "k1")
    clock.advance(minutes=2)
    headend.tick()
    assert [r["relay"] for r in received if r["stage"] == "executed"] == [relay]


def test_a_repeated_send_with_the_same_key_schedules_nothing(clock: FakeClock,
                                                            received: list[dict[str, Any]]) -> None:
    headend = SimulatedHeadEnd(taking(received), clock)
    headend.send(command(), "k1")
    clock.advance(seconds=30)
    assert headend.send(command(), "k1") == {"simulated": True, "command_id": "HES-1-a", "repeat": True}
    assert headend.pending() == 2
    clock.advance(minutes=5)
    assert headend.tick() == 2
    assert len({r["result_id"] for r in received}) == 2


def test_the_sink_gets_results_of_several_commands_in_time_order(clock: FakeClock,
                                                               received: list[dict[str, Any]]) -> None:
    headend = SimulatedHeadEnd(taking(received), clock, behaviours={"000000000002": "offline"})
    headend.send(command(meter="000000000002", command_id="B"), "kb")  # failed at 120 s
    clock.advance(seconds=10)
    headend.send(command(command_id="A"), "ka")  # accepted at 15 s, executed at 70 s
    clock.advance(minutes=5)
    assert headend.tick() == 3
    assert [(r["command_id"], r["stage"]) for r in received] == [("A", "accepted"), ("A", "executed"),
                                                                  ("B", "failed")]


def test_behaviour_can_change_and_unknown_ones_are_refused(clock: FakeClock, received: list[dict[str, Any]]) -> None:
    headend = SimulatedHeadEnd(taking(received), clock, default="never")
    headend.set_behaviour("000000000001", "offline")
    headend.send(command(), "k1")
    headend.send(command(meter="000000000009", command_id="other"), "k2")
    clock.advance(minutes=3)
    headend.tick()
    assert [(r["command_id"], r["stage"]) for r in received] == [("other", "accepted"), ("HES-1-a", "failed")]
    with pytest.raises(ValueError, match="unknown simulated behaviour"):
        headend.set_behaviour("000000000001", "explodes")
    with pytest.raises(ValueError, match="unknown meter action"):
        headend.send(command(action="dance"), "k3")


def test_a_command_past_its_deadline_is_refused(clock: FakeClock, received: list[dict[str, Any]]) -> None:
    headend = SimulatedHeadEnd(taking(received), clock)
    headend.send(command(deadline=T0 - timedelta(seconds=1)), "k1")
    clock.advance(minutes=5)
    headend.tick()
    assert [r["stage"] for r in received] == ["failed"] and "有效期" in received[0]["error"]


def test_a_failing_sink_keeps_the_results_for_the_next_tick(clock: FakeClock) -> None:
    got: list[dict[str, Any]] = []
    failures = [ConnectionError("relayflow is down")]

    def sink(results: list[dict[str, Any]]) -> list[dict[str, Any]]:
        if failures:
            raise failures.pop()
        got.extend(results)
        return []

    headend = SimulatedHeadEnd(sink, clock)
    headend.send(command(), "k1")
    clock.advance(minutes=2)
    with pytest.raises(ConnectionError):
        headend.tick()
    assert headend.pending() == 2
    assert headend.tick() == 2
    assert [r["stage"] for r in got] == ["accepted", "executed"]


def test_results_the_sink_hands_back_are_sent_again_with_the_same_ids(clock: FakeClock) -> None:
    batches: list[list[dict[str, Any]]] = []

    def sink(results: list[dict[str, Any]]) -> list[dict[str, Any]]:
        batches.append(results)
        return [r for r in results if r["stage"] == "executed"] if len(batches) == 1 else []

    headend = SimulatedHeadEnd(sink, clock)
    headend.send(command(), "k1")
    clock.advance(minutes=2)
    assert (headend.tick(), headend.pending()) == (1, 1)
    assert (headend.tick(), headend.pending()) == (1, 0)
    assert [[r["stage"] for r in batch] for batch in batches] == [["accepted", "executed"], ["executed"]]
    assert batches[0][1]["result_id"] == batches[1][0]["result_id"]
