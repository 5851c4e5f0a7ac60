"""The head-end as DL/T 645 over TCP (issue 15 item 2), on SQLite and PostgreSQL: the real flows
send their commands through ``Dlt645HeadEnd`` to meters of the PyPI ``dlt645`` package's TCP server
behind a gateway (``tests/dlt645_meters.py``, taught 1CH), on a real socket; time travels, and the
meters read the same travelling clock. Results come back through the adapter's tick, as the
worker's job runs it."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from app.usecases.reconnections import run_patrol
from handlers.dlt645 import ACTIONS, Credentials
from storage.domain_models import MeterCommand
from storage.models import HistoryEvent, Instance, OutboxMessage
from tests.dlt645_meters import Gateway
from tests.integration.test_headend_http import rows
from tests.utility import Utility, build_utility_app, seed_customer, travelling_utility
from tests.workflow.test_disconnect import apply_and_approve, children, issue, owing, task

PASSWORD, OPERATOR = "741852", "96385274"
CREDENTIALS = Credentials(level=2, password=PASSWORD, operator=OPERATOR)
POLL = timedelta(seconds=5)


@contextmanager
def dlt645_utility(url: str, tmp_path: Path, **config: Any) -> Iterator[tuple[Utility, Gateway]]:
    """The utility wired to a DL/T 645 gateway on loopback, whose meters a test adds."""
    gateway = Gateway(CREDENTIALS)
    gateway.start()
    settings = {"HEADEND_DLT645_GATEWAY": f"127.0.0.1:{gateway.port}", "HEADEND_DLT645_PASSWORD": PASSWORD,
                "HEADEND_DLT645_OPERATOR": OPERATOR, "HEADEND_CONNECT_TIMEOUT": 1, "HEADEND_READ_TIMEOUT": 1,
                **config}
    utilities = travelling_utility(url, tmp_path, **settings)
    try:
        yield next(utilities), gateway
    finally:
        gateway.stop()
        next(utilities, None)


def headend_events(u: Utility, kind: str) -> list[dict[str, Any]]:
    return [e.data for e in rows(u, HistoryEvent, HistoryEvent.type == kind)]


def test_a_reconnection_goes_to_the_meter_and_is_done_when_the_relay_bit_says_closed(
        database_url: str, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    with dlt645_utility(database_url, tmp_path) as (utility, gateway):
        assert "headend-tick" in [job.name for job in utility.services.jobs]  # the worker polls the relays
        meter = gateway.add("000000000001", relay_open=True, delay_reads=2)
        seed_customer(utility.services, "3400000001")
        run_patrol(utility.services.runtime)
        utility.run()
        [command] = rows(utility, MeterCommand)
        assert meter.commands == [ACTIONS["direct_close"]]
        assert command.status == "accepted"  # the 9C: accepted is not done
        utility.advance(POLL, step=POLL)  # first poll: still open
        [command] = rows(utility, MeterCommand)
        assert command.status == "accepted" and utility.customer("3400000001").power_status == "disconnected"
        utility.advance(POLL, step=POLL)  # second poll: the bit says closed
        [command] = rows(utility, MeterCommand)
        assert (command.status, command.relay) == ("executed", "closed")
        assert utility.customer("3400000001").power_status == "connected"
        [instance] = rows(utility, Instance, Instance.process_id == "reconnect")
        assert instance.status == "completed"
        assert [sms["notice"] for sms in utility.sms()] == ["reconnected"]
        [sent] = [e for e in headend_events(utility, "outbox.sent") if e["adapter"] == "headend"]
        assert (sent["response"]["sent"], sent["response"]["relay_before"]) == (True, "open")
        assert [e["stage"] for e in headend_events(utility, "headend.result_received")] == ["accepted", "executed"]
        recorded = json.dumps([[e.data for e in rows(utility, HistoryEvent)],
                               [(r.payload, r.response) for r in rows(utility, OutboxMessage)]], default=str)
    for secret in (PASSWORD, OPERATOR):  # the configuration's secrets are in no log line and no record
        assert secret not in caplog.text and secret not in recorded


def test_a_relay_found_closed_before_a_retry_ends_the_reconnection_without_a_second_command(
        database_url: str, tmp_path: Path) -> None:
    with dlt645_utility(database_url, tmp_path) as (utility, gateway):
        meter = gateway.add("000000000001", relay_open=True, delay=timedelta(minutes=40))  # closes late
        seed_customer(utility.services, "3400000001")
        run_patrol(utility.services.runtime)
        utility.advance(timedelta(minutes=35))
        [first] = rows(utility, MeterCommand)
        assert first.status in ("failed", "expired") and meter.commands == [ACTIONS["direct_close"]]
        utility.advance(timedelta(hours=2))  # the diagram's retry: a new command, its relay checked first
        first, second = rows(utility, MeterCommand)
        assert (second.status, second.relay) == ("executed", "closed")
        assert gateway.remote_controls() == 1  # one 1CH frame in all: the retry sent none
        [instance] = rows(utility, Instance, Instance.process_id == "reconnect")
        assert instance.status == "completed" and utility.customer("3400000001").power_status == "connected"
        results = headend_events(utility, "headend.result_received")
        [noted] = [e for e in results if e["command_id"] == second.command_id]
        assert noted["note"] == ("the relay was already closed when checked: no direct close command was sent "
                                 "(DL/T 645 1CH)")


def test_a_trip_refused_under_power_protect_fails_with_a_readable_reason(database_url: str, tmp_path: Path) -> None:
    with dlt645_utility(database_url, tmp_path) as (utility, gateway):
        owing(utility, "3400000011")
        meter = gateway.add("000000000011", relay_open=False, protected=True)
        batch = apply_and_approve(utility, ["3400000011"])
        issue(utility)
        utility.run()
        [command] = rows(utility, MeterCommand)
        assert (command.action, command.status) == ("trip", "failed")
        assert command.error == ("the meter refused the trip (DC): other error; power-protect (保电) is on (sent valid "
                                 "until 2026-03-02 09:30:00 by the meter's clock)")
        assert meter.commands == [ACTIONS["trip"]] and meter.relay_open is False
        assert utility.customer("3400000011").power_status == "connected"
        [child] = children(utility, batch)
        assert task(utility, "enter_disconnection", child.id).lane == "executor"  # a person takes it from here


def test_a_delayed_trip_is_reported_executed_only_once_the_relay_bit_changes(database_url: str, tmp_path: Path) -> None:
    with dlt645_utility(database_url, tmp_path) as (utility, gateway):
        owing(utility, "3400000011")
        gateway.add("000000000011", relay_open=False, delay_reads=3)  # high current: the relay opens late
        apply_and_approve(utility, ["3400000011"])
        issue(utility)
        utility.run()
        for _ in range(3):  # polls 1, 2, 3: only the third sees the relay open
            [command] = rows(utility, MeterCommand)
            assert command.status == "accepted" and utility.customer("3400000011").power_status == "connected"
            utility.advance(POLL, step=POLL)
        [command] = rows(utility, MeterCommand)
        assert (command.status, command.relay) == ("executed", "open")
        assert command.executed_at == command.accepted_at + 3 * POLL
        assert utility.customer("3400000011").power_status == "disconnected"


@pytest.mark.parametrize(("config", "error"), [
    ({"HEADEND_URL": "http://hes.example"}, "configure the head-end over HTTP (HEADEND_URL) or over DL/T 645"),
    ({"HEADEND_DLT645_PASSWORD": None}, "DL/T 645 commands need HEADEND_DLT645_PASSWORD and HEADEND_DLT645_OPERATOR"),
    ({"HEADEND_DLT645_OPERATOR": "1234"}, "the operator code must be 8 decimal digits; it has 4 characters"),
    ({"HEADEND_DLT645_GATEWAY": "gateway"}, "HEADEND_DLT645_GATEWAY must be host:port, not 'gateway'"),
])
def test_a_dlt645_configuration_that_cannot_work_stops_the_start_with_what_is_wrong(
        sqlite_url: str, tmp_path: Path, config: dict[str, Any], error: str) -> None:
    settings = {"HEADEND_DLT645_GATEWAY": "127.0.0.1:8899", "HEADEND_DLT645_PASSWORD": PASSWORD,
                "HEADEND_DLT645_OPERATOR": OPERATOR, **config}
    with pytest.raises(ValueError, match=re.escape(error)):
        build_utility_app(sqlite_url, tmp_path, **settings)


def test_a_gateway_down_for_10_minutes_holds_the_command_and_sends_it_once_when_back(
        database_url: str, tmp_path: Path) -> None:
    with dlt645_utility(database_url, tmp_path, HEADEND_FAILURES_TO_OPEN=3, HEADEND_OPEN_SECONDS=60) as (
            utility, gateway):
        meter = gateway.add("000000000001", relay_open=True)
        gateway.stop()
        seed_customer(utility.services, "3400000001")
        run_patrol(utility.services.runtime)
        utility.advance(timedelta(minutes=10))
        failed = [e for e in headend_events(utility, "outbox.failed") if e["adapter"] == "headend"]
        assert 3 <= len(failed) <= 3 + 10  # then one probe a minute at most, not one per row per try
        assert "cannot be reached" in failed[0]["error"]
        gateway.start()
        utility.advance(timedelta(minutes=12))  # the row's backoff (its attempts while probing), within its validity
        [command] = rows(utility, MeterCommand)
        assert (command.status, command.relay) == ("executed", "closed")
        assert meter.commands == [ACTIONS["direct_close"]]


def test_check_adapters_reads_a_meters_relay_and_reaches_the_gateway(sqlite_url: str, tmp_path: Path) -> None:
    """Issue 15 item 4: a meter read (status word 3) and the gateway reached; nothing commanded."""
    with dlt645_utility(sqlite_url, tmp_path) as (utility, gateway):
        meter = gateway.add("000000000001", relay_open=True)
        settings = utility.services.dispatcher.adapters["headend"].settings  # type: ignore[attr-defined]
        settings.meters["000000000001"] = settings.gateway  # the meter also has an endpoint of its own
        up = utility.app.test_cli_runner().invoke(args=["check-adapters"])
        gateway.stop()
        down = utility.app.test_cli_runner().invoke(args=["check-adapters"])
    assert up.exit_code == 0, up.output
    assert f"ok   headend: DL/T 645 over TCP: meter 000000000001 relay open; gateway 127.0.0.1:{gateway.port} " \
           "reachable" in up.output
    assert meter.commands == [] and PASSWORD not in up.output + down.output
    assert down.exit_code == 1 and "FAIL headend" in down.output
