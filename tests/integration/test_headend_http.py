"""The head-end over HTTP (issue 15 item 1): commands leave through ``HttpHeadEnd`` to a
``relayflow headend-sim`` served on a real socket; time travels (the simulator and the circuit
breaker read the same travelling clock). Results come back through the use case here; the
end-to-end test with the simulator's own process and HTTP callbacks is
``test_headend_sim_process.py``."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from werkzeug.serving import BaseWSGIServer, make_server

from app.headend_sim.scenario import Scenario, scenario_from
from app.headend_sim.server import HeadEndSimulator, create_sim_app
from app.usecases.headend_results import take_headend_results
from app.usecases.payments import record_payment
from app.usecases.reconnections import run_patrol
from storage.domain_models import MeterCommand
from storage.models import HistoryEvent, Incident, Instance, OutboxMessage
from tests.utility import Utility, seed_customer, travelling_utility
from tests.workflow.test_disconnect import apply_and_approve, issue, owing

COMMAND_TOKEN = "hes-command-token"


@dataclass
class Served:
    """A simulated head-end on a real socket; ``start``/``stop`` make an outage."""

    simulator: HeadEndSimulator
    port: int
    server: BaseWSGIServer | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        self.server = make_server("127.0.0.1", self.port, create_sim_app(self.simulator), threaded=True)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.server = None


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def http_utility(url: str, tmp_path: Path, scenario: Scenario, *, running: bool = True,
                 **config: Any) -> Iterator[tuple[Utility, Served]]:
    """The utility wired by URL to a simulated head-end whose results are taken in-process."""
    runtime: list[Any] = []
    served = Served(HeadEndSimulator(scenario, lambda results: take_headend_results(runtime[0], results),
                                     token=COMMAND_TOKEN), free_port())
    settings = {"HEADEND_URL": served.url, "HEADEND_COMMAND_TOKEN": COMMAND_TOKEN, "HEADEND_READ_TIMEOUT": 2,
                "HEADEND_CONNECT_TIMEOUT": 1, **config}
    utilities = travelling_utility(url, tmp_path, **settings)
    utility = next(utilities)
    runtime.append(utility.services.runtime)
    utility.ticks.append(served.simulator.headend.tick)
    if running:
        served.start()
    try:
        yield utility, served
    finally:
        served.stop()
        next(utilities, None)


def rows(u: Utility, model: Any, *where: Any) -> list[Any]:
    with u.services.db.reading() as session:
        return list(session.execute(select(model).where(*where).order_by(model.id)).scalars())


def history_kinds(u: Utility, prefix: str) -> list[str]:
    return [e.type for e in rows(u, HistoryEvent, HistoryEvent.type.startswith(prefix))]


def test_a_headend_that_answers_503_three_times_then_200_gets_the_command_once_with_one_key(
        database_url: str, tmp_path: Path) -> None:
    with http_utility(database_url, tmp_path, scenario_from({"unavailable_first_requests": 3}),
                      HEADEND_FAILURES_TO_OPEN=5) as (utility, served):
        seed_customer(utility.services, "3400000001")
        run_patrol(utility.services.runtime)
        utility.advance(timedelta(minutes=3), step=timedelta(seconds=10))  # backoffs 10, 20, 40 s
        [command] = rows(utility, MeterCommand)
        seen = served.simulator.received[command.command_id]
        assert (seen.requests, seen.refused_503, seen.taken, len(seen.keys)) == (4, 3, 1, 1)
        [row] = rows(utility, OutboxMessage, OutboxMessage.adapter == "headend")
        assert (row.status, row.attempts, row.idempotency_key) == ("sent", 4, next(iter(seen.keys)))
        assert (command.status, command.relay) == ("executed", "closed")  # M5.2: the relay is closed
        assert utility.customer("3400000001").power_status == "connected"


def test_a_headend_down_for_10_minutes_keeps_every_command_and_sends_the_valid_ones_once_when_back(
        database_url: str, tmp_path: Path) -> None:
    with http_utility(database_url, tmp_path, Scenario(), running=False,
                      HEADEND_FAILURES_TO_OPEN=3, HEADEND_OPEN_SECONDS=60) as (utility, served):
        owing(utility, "3400000011")  # a trip first: it is among the sends that fail
        apply_and_approve(utility, ["3400000011"])
        issue(utility)
        utility.run()
        for number in ("3400000001", "3400000002", "3400000003"):
            seed_customer(utility.services, number)
        run_patrol(utility.services.runtime)
        utility.run()
        assert len(rows(utility, OutboxMessage, OutboxMessage.adapter == "headend")) == 4
        assert served.simulator.received == {}
        assert history_kinds(utility, "outbox.failed") == ["outbox.failed"] * 3  # then the breaker opened

        utility.advance(timedelta(minutes=5))
        record_payment(utility.services.runtime, {"payment_id": "P-11", "customer_number": "3400000011",
                                                  "amount": "320", "paid_at": utility.services.clock.now().isoformat()})
        utility.advance(timedelta(minutes=5))
        trip_row, *waiting = rows(utility, OutboxMessage, OutboxMessage.adapter == "headend")
        assert [row.status for row in waiting] == ["pending"] * 3  # the outbox kept every command...
        assert trip_row.status == "cancelled"  # ...but the trip: withdrawn at its next try, still down
        failed = len(history_kinds(utility, "outbox.failed"))
        assert failed <= 3 + 10  # one probe a minute while it is down, not one line per command per try

        served.start()
        utility.advance(timedelta(minutes=6))  # the breaker's next probe, then the rows' backoffs
        trip, *closes = rows(utility, MeterCommand)
        assert trip.action == "trip" and trip.status == "cancelled"
        assert trip.command_id not in served.simulator.received  # the stale trip never left
        [withdrawn] = [e for e in rows(utility, HistoryEvent, HistoryEvent.type == "outbox.withdrawn")]
        assert "customer paid" in withdrawn.data["reason"]
        for command in closes:
            seen = served.simulator.received[command.command_id]
            assert (seen.taken, len(seen.keys)) == (1, 1)
            assert (command.action, command.status) == ("direct_close", "executed")
        [child] = rows(utility, Instance, Instance.process_id == "disconnect_customer")
        assert child.status == "completed" and utility.customer("3400000011").power_status == "connected"


def test_a_refusal_gives_the_command_up_and_opens_an_incident_with_the_headends_answer(
        database_url: str, tmp_path: Path) -> None:
    with http_utility(database_url, tmp_path, Scenario(), HEADEND_COMMAND_TOKEN="not-the-token") as (utility, _):
        seed_customer(utility.services, "3400000001")
        report = run_patrol(utility.services.runtime)
        utility.run()
        [row] = rows(utility, OutboxMessage, OutboxMessage.adapter == "headend")
        assert (row.status, row.attempts) == ("dead", 1)
        [command] = rows(utility, MeterCommand)
        assert command.status == "failed"  # the meter is free for the next command
        [instance] = rows(utility, Instance, Instance.process_id == "reconnect")
        [incident] = rows(utility, Incident, Incident.instance_id == instance.id)
        assert instance.status == "incident" and "401" in incident.error and "Bearer" in incident.error
        assert COMMAND_TOKEN not in incident.error and "not-the-token" not in incident.error
        assert report.started == 1


@pytest.mark.parametrize("scenario, error", [
    ({"success_rate": 2}, "success_rate is a share between 0 and 1"),
    ({"sucess_rate": 1}, "unknown key 'sucess_rate'"),
    ({"unavailable": [{"after_seconds": 1}]}, r"unavailable\[0\] must have exactly"),
    ({"accepted_after_seconds": 10, "finished_after_seconds": 5}, "finished_after_seconds must not be before"),
    ([], "must be a JSON object"),
])
def test_a_bad_scenario_is_refused_with_the_key_at_fault(scenario: Any, error: str) -> None:
    with pytest.raises(ValueError, match=error):
        scenario_from(scenario)


def test_check_adapters_says_what_answers_and_fails_when_the_headend_does_not(
        sqlite_url: str, tmp_path: Path) -> None:
    with http_utility(sqlite_url, tmp_path, Scenario(), running=False) as (utility, served):
        down = utility.app.test_cli_runner().invoke(args=["check-adapters"])
        served.start()
        up = utility.app.test_cli_runner().invoke(args=["check-adapters"])
    assert down.exit_code == 1 and f"FAIL headend: HeadEndUnavailable: {served.url} cannot be reached" in down.output
    assert up.exit_code == 0, up.output
    assert f"ok   headend: {served.url} answers (HTTP 200) — a SIMULATOR" in up.output
    assert "ok   sms: LOG ONLY" in up.output and COMMAND_TOKEN not in up.output + down.output


def test_a_command_whose_validity_passed_while_the_headend_was_down_never_leaves(
        database_url: str, tmp_path: Path) -> None:
    with http_utility(database_url, tmp_path, Scenario(), running=False,
                      HEADEND_FAILURES_TO_OPEN=1, HEADEND_OPEN_SECONDS=600) as (utility, served):
        seed_customer(utility.services, "3400000001")
        run_patrol(utility.services.runtime)
        utility.run()  # one failed attempt opens the breaker for 10 minutes
        utility.advance(timedelta(minutes=35))  # past the command's 30-minute validity
        served.start()
        utility.advance(timedelta(minutes=15))
        first, *later = rows(utility, MeterCommand)
        assert first.status == "expired" and first.command_id not in served.simulator.received
        withdrawn = rows(utility, HistoryEvent, HistoryEvent.type == "outbox.withdrawn")
        assert [e.data["key"] for e in withdrawn] == [
            row.idempotency_key for row in rows(utility, OutboxMessage, OutboxMessage.adapter == "headend")
            if row.payload["command_id"] == first.command_id]
        assert later == []  # M5.2: the next send waits 2 hours after the expired one, as the diagram says
