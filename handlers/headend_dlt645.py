"""The head-end as DL/T 645-2007 over TCP (issue 15 item 2): the outbox adapter ``headend`` for a
utility whose meters, or the gateways before them, are reachable over TCP. It is its own
head-end: it takes each command to the meter and produces the two-stage results a head-end's
callback would, handing them to a sink (the head-end results use case, wired by bootstrap).

``send`` (the outbox dispatcher) — one conversation with the meter:

1. **check first**: read running-status word 3. A relay already where the command would put it
   (closed for a close, open for a trip) ends the command without a 1CH frame: ``executed`` with
   the relay state and a note saying so. A retry after a close that landed late, or a resend after
   a lost answer, never commands the meter twice;
2. otherwise the 1CH frame (password level, password, operator code, the command's own validity
   deadline in the meter's time). ``9C``: ``accepted``, and the command joins the watch list.
   ``DC``: ``failed``, with the meter's refusal in words (and power-protect, when the status word
   said it was on);
3. a gateway that cannot be reached, or a meter that does not answer: the send fails and the
   outbox sends it again after its backoff, with the check first again.

``tick`` (a worker job, every few seconds): polls each watched command's status word every
``poll_seconds`` — the outbox never waits for a relay. **Success is the relay bit, never the 9C**:
``executed`` once the relay is where the command puts it; at the deadline, ``failed`` ("relay did
not move"). A close-allowed on an internal-relay meter is done when the meter allows closing: it
waits for the customer's key press until the deadline, then is ``executed`` with the relay still
open. Results due are handed to the sink in one batch; those it hands back go again next tick.

Credentials are never logged, nor in an answer or an error: only the 1CH frame carries them.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any
from zoneinfo import ZoneInfo

from app.clock import Clock
from app.runtime.contract import ReceiverDown, SendRefused
from handlers.dlt645 import (
    READ_ANSWERED,
    Credentials,
    Frame,
    FrameError,
    RelayStatus,
    control_reply,
    read_status_word_3,
    relay_status,
    remote_control,
)
from handlers.dlt645_link import Conversation, Endpoint, EndpointDown, EndpointUnreachable, Links, LinkSettings
from handlers.headend import PROTECT_ACTIONS

log = logging.getLogger("relayflow.headend.dlt645")

Sink = Callable[[list[dict[str, Any]]], Sequence[dict[str, Any]]]
CLOSES = ("direct_close", "close_allowed")
SAID = {"trip": "trip", "direct_close": "direct close", "close_allowed": "close-allowed",
        "protect_on": "power-protect on (3A)", "protect_off": "power-protect off (3B)"}


@dataclass(frozen=True)
class Dlt645Settings:
    """Where the meters are and what a command carries (``HEADEND_DLT645_*`` in the configuration)."""

    credentials: Credentials
    gateway: Endpoint | None = None  # reaches every meter without an endpoint of its own
    meters: Mapping[str, Endpoint] = field(default_factory=dict)  # meter address → its own endpoint
    meter_timezone: str = "Asia/Shanghai"  # the meters' clocks: a command's deadline is written in it
    poll_seconds: float = 5.0  # how often a watched command's relay is read
    link: LinkSettings = field(default_factory=LinkSettings)


@dataclass
class _Watch:
    """A command the meter accepted, whose relay has not got where it should yet."""

    command_id: str
    address: str
    action: str
    deadline: datetime
    next_poll: datetime
    last: RelayStatus | None = None
    last_error: str | None = None


class Dlt645HeadEnd:
    """Outbox adapter ``headend`` speaking DL/T 645 over TCP; one per process."""

    def __init__(self, settings: Dlt645Settings, sink: Sink, clock: Clock, links: Links | None = None) -> None:
        self.settings, self._sink, self._clock = settings, sink, clock
        self._links = links or Links(settings.gateway, settings.meters, settings.link)
        self._zone = ZoneInfo(settings.meter_timezone)
        self._lock = threading.Lock()
        self._watches: dict[str, _Watch] = {}
        self._outgoing: list[dict[str, Any]] = []

    def send(self, payload: dict[str, Any], idempotency_key: str) -> dict[str, Any]:
        """Check the relay, then command it (or not); the answer says which, for the outbox's history."""
        command_id, address, action = str(payload["command_id"]), str(payload["meter_address"]), payload["action"]
        if action not in SAID:
            raise SendRefused(f"unknown meter action {action!r}; expected one of {', '.join(SAID)}")
        deadline = datetime.fromisoformat(str(payload["deadline"])).astimezone(UTC)
        with self._lock:
            if command_id in self._watches:  # a resend while this process watches it: the meter has it
                return {"repeat": True, "watching": True}
        try:
            return self._links.talk(address, lambda talk: self._check_and_command(talk, command_id, address, action,
                                                                                  deadline))
        except LookupError as exc:
            raise SendRefused(str(exc)) from exc
        except EndpointDown as exc:
            if self._links.all_down():  # the outbox holds every row until then, unattempted
                raise ReceiverDown(str(exc), self._clock.now() + timedelta(seconds=self.settings.link.open_seconds)) \
                    from exc
            raise

    def check(self) -> str:
        """``relayflow check-adapters``: read the relay of each meter with an endpoint of its own
        (status word 3), and connect to the gateway; nothing is commanded."""
        said = []
        for address in sorted(self.settings.meters):
            status = self._links.talk(address, partial(_read_relay, address))
            if isinstance(status, str):
                raise EndpointUnreachable(f"meter {address} refused the status read: {status}")
            said.append(f"meter {address} relay {_relay(status)}")
        if self.settings.gateway is not None:
            self._links.reach(self.settings.gateway)
            said.append(f"gateway {self.settings.gateway} reachable")
        return "DL/T 645 over TCP: " + ("; ".join(said) or "no endpoint configured")

    def _check_and_command(self, talk: Conversation, command_id: str, address: str, action: str,
                           deadline: datetime) -> dict[str, Any]:
        before = _status(talk.ask(read_status_word_3(address)))
        if isinstance(before, str):
            self._result(command_id, "failed", error=f"{before}: the relay cannot be checked, so no "
                                                       f"{SAID[action]} was sent")
            return {"sent": False, "error": before}
        if _reached(action, before):
            relay = _relay(before)
            state = _protect_state(before) if action in PROTECT_ACTIONS else f"the relay was already {relay}"
            note = f"{state} when checked: no {SAID[action]} command was sent (DL/T 645 1CH)"
            self._result(command_id, "executed", relay=relay, note=note)
            log.info("DL/T 645: %s meter %s already %s, no %s sent", command_id, address, relay, SAID[action])
            return {"sent": False, "relay_before": relay, "note": note}
        valid_until = deadline.astimezone(self._zone)
        reply = control_reply(talk.ask(remote_control(address, action, valid_until, self.settings.credentials)))
        answer = {"sent": True, "relay_before": _relay(before), "valid_until": valid_until.isoformat()}
        if not reply.accepted:
            why = ", ".join(reply.reasons)
            if action == "trip" and before.protected:
                why += "; power-protect (保电) is on"
            error = (f"the meter refused the {SAID[action]} (DC): {why} (sent valid until "
                     f"{valid_until:%Y-%m-%d %H:%M:%S} by the meter's clock)")
            self._result(command_id, "failed", error=error, relay=_relay(before))
            log.info("DL/T 645: %s meter %s refused: %s", command_id, address, why)
            return {**answer, "accepted": False, "refusal": error}
        now = self._clock.now()
        self._result(command_id, "accepted")
        with self._lock:
            self._watches[command_id] = _Watch(command_id, address, action, deadline,
                                               now + timedelta(seconds=self.settings.poll_seconds), before)
        log.info("DL/T 645: %s meter %s accepted the %s", command_id, address, SAID[action])
        return {**answer, "accepted": True}

    def tick(self) -> int:
        """Poll the watched relays that are due, then hand every result waiting to the sink in one
        batch; returns how many it took."""
        now = self._clock.now()
        with self._lock:
            due = [watch for watch in self._watches.values() if watch.next_poll <= now]
        for watch in due:
            self._poll(watch, now)
        return self._hand_over()

    def watching(self) -> list[str]:
        """The ids of the commands whose relay is being watched."""
        with self._lock:
            return list(self._watches)

    def _poll(self, watch: _Watch, now: datetime) -> None:
        try:
            status = self._links.talk(watch.address, lambda talk: _status(talk.ask(read_status_word_3(watch.address))))
        except Exception as exc:  # unreachable, silent, breaker open: asked again until the deadline
            status = f"{type(exc).__name__}: {exc}"
        if isinstance(status, str):
            watch.last_error = status
        else:
            watch.last, watch.last_error = status, None
            if _reached(watch.action, status):
                self._finish(watch, "executed", relay=_relay(status))
                return
        if now < watch.deadline:
            watch.next_poll = now + timedelta(seconds=self.settings.poll_seconds)
        elif watch.action == "close_allowed" and watch.last is not None and not watch.last.commanded_open:
            self._finish(watch, "executed", relay=_relay(watch.last), note=(
                "closing is allowed (close-allowed, 1B): the relay stays open until the customer holds the meter's "
                "key"))
        else:
            self._finish(watch, "failed", relay=_relay(watch.last) if watch.last else None, error=_did_not_move(watch))

    def _finish(self, watch: _Watch, stage: str, **details: str | None) -> None:
        with self._lock:
            self._watches.pop(watch.command_id, None)
        self._result(watch.command_id, stage, **details)
        log.info("DL/T 645: %s meter %s %s %s", watch.command_id, watch.address, stage,
                 details.get("relay") or details.get("error"))

    def _result(self, command_id: str, stage: str, **details: str | None) -> None:
        result = {"result_id": f"DLT645-{command_id}-{stage}", "command_id": command_id, "stage": stage,
                  "at": self._clock.now().isoformat(), **{name: value for name, value in details.items() if value}}
        with self._lock:
            self._outgoing.append(result)

    def _hand_over(self) -> int:
        with self._lock:
            results, self._outgoing = self._outgoing, []
        if not results:
            return 0
        try:
            again = {result["result_id"] for result in self._sink([dict(result) for result in results])}
        except BaseException:
            self._keep(results)
            raise
        self._keep([result for result in results if result["result_id"] in again])
        return len(results) - len(again)

    def _keep(self, results: list[dict[str, Any]]) -> None:
        """Results the sink could not take: first in line at the next tick (same ids: a repeat is harmless)."""
        with self._lock:
            self._outgoing[:0] = results


def _read_relay(address: str, talk: Conversation) -> RelayStatus | str:
    return _status(talk.ask(read_status_word_3(address)))


def _status(answer: Frame) -> RelayStatus | str:
    """The relay's status, or why the meter did not say it (it refused the read)."""
    try:
        return relay_status(answer)
    except FrameError as exc:
        if answer.control == READ_ANSWERED:
            raise
        return str(exc)


def _reached(action: str, status: RelayStatus) -> bool:
    if action in PROTECT_ACTIONS:
        return status.protected == (action == "protect_on")
    return status.open if action == "trip" else not status.open


def _protect_state(status: RelayStatus) -> str:
    return f"power-protect (保电) was already {'on' if status.protected else 'off'}"


def _relay(status: RelayStatus) -> str:
    return "open" if status.open else "closed"


def _did_not_move(watch: _Watch) -> str:
    target = "open" if watch.action == "trip" else "closed"
    if watch.last is None:
        return (f"relay state unknown: the meter did not answer after accepting the {SAID[watch.action]} "
                f"({watch.last_error})")
    if watch.action in PROTECT_ACTIONS:
        return f"power-protect (保电) still {'on' if watch.last.protected else 'off'} at the command's deadline"
    seen = f"relay {_relay(watch.last)}" + (", power-protect (保电) on" if watch.last.protected else "")
    return f"relay did not move: still not {target} at the command's deadline ({seen})"
