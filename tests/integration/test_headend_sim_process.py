"""End to end over the network (issue 15, "Must show"): ``relayflow headend-sim`` in a process of
its own, relayflow's web app on a real socket, a real SMSC (PyPI smpp34's, ``tests.smsc_peer``),
the worker's jobs driven here in real time. The reconnect command leaves over HTTP, the results
come back as HTTP callbacks, the customer is reconnected, and the SMS telling them is submitted
over SMPP and its delivery receipt recorded."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from sqlalchemy import select
from werkzeug.serving import make_server

from app.usecases.reconnections import run_patrol
from storage.domain_models import MeterCommand, Reconnection
from storage.models import HistoryEvent, OutboxMessage
from storage.sms_parts import SmsPart
from tests.integration.test_headend_http import free_port
from tests.smsc_peer import Smsc
from tests.utility import build_utility_app, seed_customer, seed_segment

COMMAND_TOKEN, CALLBACK_TOKEN = "sim-command-token", "hes-token"


@pytest.fixture
def simulator(tmp_path: Path) -> Iterator[tuple[str, int]]:
    """The simulator process (its URL), calling back to the port it is given."""
    scenario = tmp_path / "scenario.json"
    scenario.write_text(json.dumps({"accepted_after_seconds": 0.2, "finished_after_seconds": 0.6,
                                    "duplicate_rate": 1.0, "seed": 3}))
    port, callback_port = free_port(), free_port()
    env = {**os.environ, "RELAYFLOW_HEADEND_TOKEN": CALLBACK_TOKEN, "RELAYFLOW_HEADEND_COMMAND_TOKEN": COMMAND_TOKEN}
    process = subprocess.Popen(
        [str(Path(sys.executable).parent / "relayflow"), "headend-sim", "--port", str(port), "--scenario",
         str(scenario), "--callback-url", f"http://127.0.0.1:{callback_port}", "--tick", "0.2"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_until(lambda: _answers(url), what="the simulator to listen")
        yield url, callback_port
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_a_reconnection_runs_end_to_end_over_http_with_the_simulator_process(
        database_url: str, tmp_path: Path, simulator: tuple[str, int]) -> None:
    url, callback_port = simulator
    smsc = Smsc().start()
    app = build_utility_app(database_url, tmp_path, HEADEND_URL=url, HEADEND_COMMAND_TOKEN=COMMAND_TOKEN,
                            SMPP_HOST="127.0.0.1", SMPP_PORT=smsc.port, SMPP_SYSTEM_ID="relayflow",
                            SMPP_PASSWORD="s3cr3t!", SMPP_SOURCE_ADDR="95598", SMPP_RESPONSE_SECONDS=2)
    services = app.extensions["relayflow"]
    seed_segment(services)
    seed_customer(services, "3400000001")
    server = make_server("127.0.0.1", callback_port, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    sms = services.dispatcher.adapters["sms"]
    sms.start()  # as the worker's smpp-link job does: bound before anything is sent
    try:
        assert services.dispatcher.adapters["headend"].simulated  # the banner keeps saying so
        assert run_patrol(services.runtime).started == 1

        def reconnected() -> bool:  # one pass of the worker's jobs
            services.dispatcher.dispatch()
            services.runtime.wake_due()
            services.runtime.recover()
            return _order(services).reconnected_at is not None

        _wait_until(reconnected, what="the reconnection to end")
        _wait_until(lambda: services.dispatcher.dispatch() == 0 and _delivered(services),
                    what="the customer's SMS to be delivered")
        _wait_until(lambda: len(_results(services)) == 4, what="the duplicate callbacks")
    finally:
        sms.stop()
        smsc.stop()
        server.shutdown()
        server.server_close()
    [command] = _all(services, MeterCommand)
    assert (command.status, command.relay) == ("executed", "closed")
    received = requests.get(f"{url}/commands/{command.command_id}", timeout=5).json()
    assert (received["taken"], len(received["keys"])) == (1, 1)
    # accepted and executed, each called back twice (the scenario's duplicates), applied once each
    assert sorted((e.data["stage"], e.data["applied"]) for e in _results(services)) == [
        ("accepted", "applied"), ("accepted", "duplicate"), ("executed", "applied"), ("executed", "duplicate")]
    [notice] = _all(services, OutboxMessage)[-1:]
    assert (notice.adapter, notice.payload["notice"]) == ("sms", "reconnected")  # M5.3
    parts = _all(services, SmsPart)  # a Chinese text over 70 characters goes in UCS-2 parts
    assert {(part.outbox_id, part.status, part.receipt_stat) for part in parts} == {(notice.id, "delivered",
                                                                                     "DELIVRD")}
    assert [m.destination for m in smsc.submits] == [notice.payload["to"]] * len(parts)
    assert not (tmp_path / "sms.jsonl").exists()  # nothing went to the log-only stand-in
    services.db.dispose()


def _delivered(services: Any) -> bool:
    parts = _all(services, SmsPart)
    return bool(parts) and all(part.status == "delivered" for part in parts)


def _results(services: Any) -> list[HistoryEvent]:
    return [e for e in _all(services, HistoryEvent) if e.type == "headend.result_received"]


def _order(services: Any) -> Reconnection:
    with services.db.reading() as session:
        return session.execute(select(Reconnection)).scalar_one()


def _all(services: Any, model: Any) -> list[Any]:
    with services.db.reading() as session:
        return list(session.execute(select(model).order_by(model.id)).scalars())


def _answers(url: str) -> bool:
    try:
        return bool(requests.get(url + "/", timeout=0.5).json().get("simulator"))
    except requests.RequestException:
        return False


def _wait_until(done: Any, *, what: str, seconds: float = 30.0) -> None:
    deadline = time.monotonic() + seconds
    while not done():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.1)
