"""A SIMULATED head-end for the demo and tests: it sends nothing to any meter.

It takes commands from the outbox like a real head-end adapter and answers through the same
use case a real head-end's batched callback reaches (``take_headend_results``), in two stages
(accepted, then executed or failed), with per-meter behaviours: succeeds, fails, offline, slow,
never (accepts, never runs).
"""

from __future__ import annotations

import heapq
import logging
import threading
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol

from app.clock import Clock
from app.translations import N_
from storage import customers

log = logging.getLogger("relayflow.headend.simulated")

SIMULATED_BEHAVIOURS = ("succeeds", "fails", "offline", "slow", "never")
RELAY_AFTER = {"trip": "open", "direct_close": "closed",
               # an internal-relay meter stays open after close-allowed until the customer presses its key
               "close_allowed": "open",
               # power-protect moves no relay: the meter reports the relay as it is
               "protect_on": None, "protect_off": None}
UNCOMMANDED_RELAY = "closed"  # what a simulated meter no command moved yet reports


@dataclass(frozen=True)
class Timings:
    """When a simulated meter answers, counted from the moment the command was taken."""

    accepted: timedelta = timedelta(seconds=5)
    finished: timedelta = timedelta(seconds=30)  # executed or failed
    offline: timedelta = timedelta(minutes=2)  # the head-end gives up on a meter that does not answer
    slow: timedelta = timedelta(minutes=45)


class Variation(Protocol):
    """What a scenario changes (``relayflow headend-sim``): the behaviour of one command (None: the
    meter's own) and when each of its results is delivered, as offsets from its time — one for
    each copy (a duplicate callback is two), a late one shifted."""

    def behaviour(self, payload: dict[str, Any]) -> str | None: ...

    def deliveries(self, result: dict[str, Any]) -> list[timedelta]: ...


@dataclass(order=True)
class _Scheduled:
    due: datetime
    seq: int
    result: dict[str, Any] = field(compare=False)


class SimulatedHeadEnd:
    """A SIMULATED head-end (an outbox adapter) for the demo and tests: no real meter is contacted.

    ``send`` schedules the results a meter with the configured behaviour would produce;
    ``tick`` hands every result whose time has come to ``sink`` in one batch, in time order; the
    sink returns those it could not take, which are sent again at the next tick. Behaviours:
    ``succeeds``, ``fails`` (accepted, then the relay did not operate), ``offline`` (no
    acceptance; failed after 2 minutes), ``slow`` (executed after 45 minutes), ``never``
    (accepted, then nothing). A command sent after its validity deadline is refused.
    """

    simulated = N_("simulated head-end")  # the web app names it in its banner: no meter is reached
    # Its answers are in Chinese, as the utility's head-end writes them; the pages show them as they are.

    def __init__(self, sink: Callable[[list[dict[str, Any]]], Sequence[dict[str, Any]]], clock: Clock,
                 behaviours: Mapping[str, str] | None = None, default: str = "succeeds", *,
                 timings: Timings | None = None, variation: Variation | None = None) -> None:
        self._sink, self._clock = sink, clock
        self._timings, self._variation = timings or Timings(), variation
        self._behaviours = {address: _behaviour(name) for address, name in (behaviours or {}).items()}
        self._default = _behaviour(default)
        self._lock = threading.Lock()
        self._queue: list[_Scheduled] = []
        self._keys: set[str] = set()
        self._relays: dict[str, str] = {}  # meter address → the relay the last command that moved it left
        self._seq = 0

    def check(self) -> str:
        return f"SIMULATED in this process: no meter is reached ({self.pending()} results scheduled)"

    def set_behaviour(self, meter_address: str, behaviour: str) -> None:
        with self._lock:
            self._behaviours[meter_address] = _behaviour(behaviour)

    def behaviour_of(self, meter_address: str) -> str:
        """How this meter answers (its own behaviour, or the default)."""
        with self._lock:
            return self._behaviours.get(meter_address, self._default)

    def send(self, payload: dict[str, Any], idempotency_key: str) -> dict[str, Any]:
        """Schedule the command's results; a repeated key schedules nothing (``repeat`` says so)."""
        command_id, action = str(payload["command_id"]), payload["action"]
        if action not in RELAY_AFTER:
            raise ValueError(f"unknown meter action {action!r}")
        now = self._clock.now()
        deadline = payload.get("deadline")
        expired = deadline is not None and datetime.fromisoformat(deadline) < now
        with self._lock:
            repeat = idempotency_key in self._keys
            if not repeat:
                self._keys.add(idempotency_key)
                behaviour = self._behaviour_for(payload)
                relay = self._relay_after(str(payload.get("meter_address")), action, behaviour)
                for after, stage, details in _script("refused" if expired else behaviour, relay, self._timings):
                    result = {"result_id": f"SIM-{uuid.uuid4().hex}", "command_id": command_id, "stage": stage,
                              "at": (now + after).isoformat(), **details}
                    offsets = self._variation.deliveries(result) if self._variation else [timedelta(0)]
                    for offset in offsets:
                        self._seq += 1
                        heapq.heappush(self._queue, _Scheduled(now + after + offset, self._seq, dict(result)))
        return {"simulated": True, "command_id": command_id, "repeat": repeat}

    def _relay_after(self, meter_address: str, action: str, behaviour: str) -> str:
        """The relay a command leaves (a power-protect command, the one the meter has), remembered
        when it moves."""
        relay = RELAY_AFTER[action] or self._relays.get(meter_address, UNCOMMANDED_RELAY)
        if behaviour in ("succeeds", "slow"):
            self._relays[meter_address] = relay
        return relay

    def _behaviour_for(self, payload: dict[str, Any]) -> str:
        chosen = self._variation.behaviour(payload) if self._variation else None
        if chosen is not None:
            return _behaviour(chosen)
        return self._behaviours.get(str(payload.get("meter_address")), self._default)

    def tick(self) -> int:
        """Deliver every result that is due, oldest first, in one batch; returns how many were taken.

        Results the sink hands back, or all of them if it raises, stay scheduled (same ids, so a
        repeat is harmless) and are sent again at the next tick; an exception propagates.
        """
        now = self._clock.now()
        with self._lock:
            due: list[_Scheduled] = []
            while self._queue and self._queue[0].due <= now:
                due.append(heapq.heappop(self._queue))
        if not due:
            return 0
        for item in due:
            log.info("SIMULATED head-end: %s %s%s", item.result.get("command_id"), item.result.get("stage"),
                     f" relay {item.result['relay']}" if item.result.get("relay") else "")
        try:
            again = {result["result_id"] for result in self._sink([dict(item.result) for item in due])}
        except BaseException:
            self._reschedule(due)
            raise
        self._reschedule([item for item in due if item.result["result_id"] in again])
        return len(due) - len(again)

    def _reschedule(self, items: list[_Scheduled]) -> None:
        with self._lock:
            for item in items:
                heapq.heappush(self._queue, item)

    def pending(self) -> int:
        """How many results are scheduled and not yet delivered."""
        with self._lock:
            return len(self._queue)


def _behaviour(name: str) -> str:
    if name not in SIMULATED_BEHAVIOURS:
        raise ValueError(f"unknown simulated behaviour {name!r}; expected one of {', '.join(SIMULATED_BEHAVIOURS)}")
    return name


def _script(behaviour: str, relay: str, timings: Timings) -> list[tuple[timedelta, str, dict[str, Any]]]:
    accepted, finished = timings.accepted, timings.finished
    executed = (finished, "executed", {"relay": relay})
    scripts: dict[str, list[tuple[timedelta, str, dict[str, Any]]]] = {
        "succeeds": [(accepted, "accepted", {}), executed],
        "fails": [(accepted, "accepted", {}), (finished, "failed", {"error": "继电器未动作"})],
        "offline": [(timings.offline, "failed", {"error": "电表离线：电表无应答"})],
        "slow": [(accepted, "accepted", {}), (timings.slow, "executed", {"relay": relay})],
        "never": [(accepted, "accepted", {})],
        "refused": [(accepted, "failed", {"error": "指令被拒绝：已过有效期"})],
    }
    return scripts[behaviour]


def configure_from_archive(simulator: SimulatedHeadEnd, db: Any) -> int:
    """Give the demo's simulator the behaviour the archive implies: meters the collection system
    sees offline stay offline; meters that cannot close directly do not close on a remote command."""
    with db.reading() as session:
        meters = customers.meters(session)
    configured = 0
    for meter, online, direct_close, relay in meters:
        if not online:
            simulator.set_behaviour(meter, "offline")
        elif not direct_close and relay != "external":
            simulator.set_behaviour(meter, "fails")
        else:
            continue
        configured += 1
    return configured
