"""``relayflow headend-sim``: a SIMULATED AMI head-end in a process of its own, speaking the head-end
contract over HTTP (README, "The head-end over HTTP") so the demo runs the network path production
does. No meter is reached: its answers are scripted by a scenario file.

- ``GET /``: what it is (``"simulator": true`` — relayflow's banner says so while wired to it);
- ``POST /commands``: a command (``Idempotency-Key`` header; a repeated key is taken once): 202, or
  401 (token), 400 (the field at fault), 503 (the scenario's outages);
- ``GET /commands/<command_id>``: what it received for a command (requests, keys, times taken);
- results go back to ``{callback_url}/api/headend/results`` in batches, with relayflow's
  ``HEADEND_TOKEN``; a batch that does not get through is sent again at the next tick.
"""

from __future__ import annotations

import hmac
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import requests
from flask import Flask, jsonify, request
from flask.typing import ResponseReturnValue
from werkzeug.serving import make_server

from app.clock import Clock, SystemClock
from app.headend_sim.scenario import Scenario
from handlers.headend import ACTIONS
from handlers.headend_simulator import SimulatedHeadEnd

log = logging.getLogger("relayflow.headend_sim")
NAME = "relayflow headend-sim: a SIMULATED head-end (no meter is reached)"
FIELDS = ("command_id", "meter_address", "action", "deadline")


@dataclass
class Received:
    """What the simulator was sent for one command (the tests' and the operator's view)."""

    requests: int = 0
    keys: set[str] = field(default_factory=set)
    taken: int = 0  # requests that scheduled results (a key's first)
    refused_503: int = 0


class CallbackSender:
    """The simulator's sink: posts due results to relayflow in one batch; returns those to send again."""

    def __init__(self, callback_url: str, token: str | None, timeout: float = 10.0) -> None:
        self.url = callback_url.rstrip("/") + "/api/headend/results"
        self.token, self.timeout = token, timeout
        self.http = requests.Session()

    def __call__(self, results: list[dict[str, Any]]) -> list[dict[str, Any]]:
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        try:
            response = self.http.post(self.url, json=results, headers=headers, timeout=self.timeout)
        except requests.RequestException as exc:
            log.warning("callbacks to %s failed (%s): %d results wait", self.url, type(exc).__name__, len(results))
            return results
        if response.status_code != 200:
            log.warning("callbacks to %s answered %s: %d results wait", self.url, response.status_code, len(results))
            return results
        outcomes = response.json()
        # an item relayflow could not take for a reason of its own (5xx) is sent again; a refusal is final
        return [result for result, outcome in zip(results, outcomes, strict=True)
                if not outcome.get("ok", True) and int(outcome.get("status", 500)) >= 500]


class HeadEndSimulator:
    """The process: the scripted head-end, what it received, and its outages."""

    def __init__(self, scenario: Scenario, sink: Callable[[list[dict[str, Any]]], list[dict[str, Any]]],
                 token: str | None = None, clock: Clock | None = None) -> None:
        self.scenario, self.token = scenario, token
        self.headend = SimulatedHeadEnd(sink, clock or SystemClock(), timings=scenario.timings, variation=scenario)
        self.received: dict[str, Received] = {}
        self._lock = threading.Lock()
        self._requests, self._started = 0, time.monotonic()

    def take(self, payload: dict[str, Any], key: str) -> tuple[int, dict[str, Any]]:
        """(HTTP status, answer) for one command request."""
        with self._lock:
            number, self._requests = self._requests, self._requests + 1
            seen = self.received.setdefault(str(payload["command_id"]), Received())
            seen.requests += 1
            seen.keys.add(key)
            if self.scenario.unavailable_now(number, time.monotonic() - self._started):
                seen.refused_503 += 1
                return 503, {"error": "SIMULATED outage: the head-end is unavailable (scenario)"}
            answer = self.headend.send(payload, key)
            seen.taken += 0 if answer["repeat"] else 1
        return 202, {**answer, "taken": True}


def create_sim_app(simulator: HeadEndSimulator) -> Flask:
    app = Flask("relayflow.headend_sim")

    @app.get("/")
    def about() -> ResponseReturnValue:
        return jsonify(simulator=True, name=NAME, pending_results=simulator.headend.pending())

    @app.post("/commands")
    def commands() -> ResponseReturnValue:
        if simulator.token and not _bearer_is(simulator.token):
            return jsonify(error="a valid 'Authorization: Bearer <token>' header is required"), 401
        key = request.headers.get("Idempotency-Key", "").strip()
        if not key:
            return jsonify(error="Idempotency-Key: required (the command's idempotency key)"), 400
        payload = request.get_json(silent=True)
        problem = _problem(payload)
        if problem is not None or not isinstance(payload, dict):
            return jsonify(error=problem), 400
        status, answer = simulator.take(payload, key)
        return jsonify(answer), status

    @app.get("/commands/<command_id>")
    def received(command_id: str) -> ResponseReturnValue:
        seen = simulator.received.get(command_id)
        if seen is None:
            return jsonify(error=f"no command {command_id!r} was received"), 404
        return jsonify(command_id=command_id, requests=seen.requests, keys=sorted(seen.keys), taken=seen.taken,
                       refused_503=seen.refused_503)

    return app


def _bearer_is(token: str) -> bool:
    scheme, _, given = request.headers.get("Authorization", "").partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(given.strip().encode(), token.encode())


def _problem(payload: Any) -> str | None:
    if not isinstance(payload, dict):
        return f"the body must be a JSON object with {', '.join(FIELDS)}"
    for name in FIELDS:
        if not isinstance(payload.get(name), str) or not payload[name].strip():
            return f"{name}: required, a non-empty string"
    if payload["action"] not in ACTIONS:
        return f"action: one of {', '.join(ACTIONS)}, not {payload['action']!r}"
    return None


def serve_simulator(simulator: HeadEndSimulator, host: str, port: int, tick_seconds: float = 1.0) -> None:
    """Serve until interrupted, delivering due results every ``tick_seconds``."""
    server = make_server(host, port, create_sim_app(simulator), threaded=True)
    stop = threading.Event()

    def tick() -> None:
        while not stop.wait(tick_seconds):
            try:
                simulator.headend.tick()
            except Exception:  # a fault of ours: logged, the results stay scheduled
                log.exception("SIMULATED head-end: delivering results failed")

    ticker = threading.Thread(target=tick, name="headend-sim-ticks", daemon=True)
    ticker.start()
    log.warning("%s on http://%s:%s", NAME, host, server.server_port)
    try:
        server.serve_forever()
    finally:
        stop.set()
        server.server_close()
