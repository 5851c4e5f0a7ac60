"""Meters on a TCP gateway for the DL/T 645 adapter's tests: the PyPI ``dlt645`` package's meter
server, taught remote control (1CH) the way a meter answers it.

The package serves reads (running-status word 3 included, from its data map) but answers every
1CH with ``DC 01``, and keeps a meter's address in written order while the wire carries it low
byte first. ``PeerMeter`` extends its ``MeterServerService``: it is given the address in wire
order, answers 1CH (password, validity deadline by its own clock, power-protect, a trip that lands
a few reads later, a close that lands late, an internal relay that waits for a key press) and
writes its relay into status word 3 before each read is answered. ``Gateway`` is the TCP side:
the package's ``TcpServer``, forwarding each frame to the meter with its address (silence for an
address it does not know, or a meter that is offline), counting the 1CH frames each meter got.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from copy import deepcopy
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from unittest import mock
from zoneinfo import ZoneInfo

from dlt645 import DLT645Protocol, MeterServerService, TcpServer
from dlt645.model.data.define import DIMap
from dlt645.service.serversvc import server_service

from handlers.dlt645 import ACTIONS, STATUS_WORD_3, Credentials

STATUS_WORD_3_DI = int.from_bytes(STATUS_WORD_3, "big")
ACCEPTED, REFUSED = 0x9C, 0xDC
OTHER_ERROR, NOT_AUTHORISED = 0x01, 0x04
BEIJING = ZoneInfo("Asia/Shanghai")


@dataclass
class _Pending:
    """A relay move the meter was told to make, still to land."""

    open: bool
    reads_left: int
    due: datetime


class PeerMeter(MeterServerService):
    """One meter. ``relay_open``/``protected`` are its state; ``commands`` every 1CH N1 it received."""

    def __init__(self, server: TcpServer, address: str, credentials: Credentials, now: Callable[[], datetime], *,
                 relay_open: bool = True, protected: bool = False, internal_relay: bool = False,
                 delay_reads: int = 0, delay: timedelta = timedelta(0), clock_ahead: timedelta = timedelta(0)) -> None:
        # The package deep-copies its whole data map for each meter (~0.7 s); these meters are read for
        # status word 3 only (another item is answered "no data requested", as the package does).
        with mock.patch.object(server_service, "clone_data_map", _status_word_only):
            super().__init__(server, bytearray(bytes.fromhex(address)[::-1]))  # the wire's order, not the written one
        self.credentials, self._now = credentials, now
        self.relay_open, self.commanded_open, self.protected = relay_open, relay_open, protected
        self.internal_relay, self.delay_reads, self.delay, self.clock_ahead = internal_relay, delay_reads, delay, \
            clock_ahead
        self.offline = False
        self.commands: list[int] = []
        self.reads = 0
        self._pending: _Pending | None = None
        self._lock = threading.Lock()

    def handle_request(self, frame: Any) -> bytes | None:
        if self.offline:
            return None
        if frame.ctrl_code == 0x1C:
            with self._lock:
                return bytes(DLT645Protocol.build_frame(frame.addr, *self._remote_control(bytes(frame.data))))
        if frame.ctrl_code == 0x11 and bytes(frame.data[:4]) == STATUS_WORD_3[::-1]:
            with self._lock:
                self.reads += 1
                self._land()
                self.set_04(STATUS_WORD_3_DI, f"{self._word():04X}")  # bits 4, 6, 12: hex digits 0, 1, 4, 5 only
        answer = super().handle_request(frame)
        return None if answer is None else bytes(answer)

    def press_key(self) -> None:
        """The customer holds the key ~3 s: an internal relay allowed to close closes."""
        with self._lock:
            if not self.commanded_open:
                self.relay_open = False

    def _remote_control(self, data: bytes) -> tuple[int, bytes]:
        level, password, operator, action = data[0], _digits(data[1:4]), _digits(data[4:8]), data[8]
        self.commands.append(action)
        if (level, password, operator) != (self.credentials.level, self.credentials.password,
                                           self.credentials.operator):
            return REFUSED, bytes([NOT_AUTHORISED])
        valid_until = datetime.strptime(_digits(data[10:16]), "%y%m%d%H%M%S")
        if valid_until < (self._now() + self.clock_ahead).astimezone(BEIJING).replace(tzinfo=None):
            return REFUSED, bytes([OTHER_ERROR])  # expired by the meter's clock
        if action == ACTIONS["trip"] and self.protected:
            return REFUSED, bytes([OTHER_ERROR])  # held by power-protect (保电)
        if action in (ACTIONS["protect_on"], ACTIONS["protect_off"]):
            self.protected = action == ACTIONS["protect_on"]
        elif action in (ACTIONS["trip"], ACTIONS["direct_close"], ACTIONS["close_allowed"]):
            self.commanded_open = action == ACTIONS["trip"]
            if not (action == ACTIONS["close_allowed"] and self.internal_relay):  # that one waits for the key
                self._pending = _Pending(self.commanded_open, self.delay_reads, self._now() + self.delay)
        return ACCEPTED, b""

    def _land(self) -> None:
        pending = self._pending
        if pending is None:
            return
        pending.reads_left -= 1
        if pending.reads_left <= 0 and self._now() >= pending.due:
            self.relay_open, self._pending = pending.open, None

    def _word(self) -> int:
        return (self.relay_open << 4) | (self.commanded_open << 6) | (self.protected << 12)


class Gateway:
    """A TCP gateway before several meters (the ``dlt645`` package's ``TcpServer``)."""

    def __init__(self, credentials: Credentials, now: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self.credentials, self._now = credentials, now
        self.server = TcpServer("127.0.0.1", 0, timeout=2.0)
        self.server.service = self
        self.meters: dict[bytes, PeerMeter] = {}

    @property
    def port(self) -> int:
        return int(self.server.port)

    def add(self, address: str, **behaviour: Any) -> PeerMeter:
        meter = PeerMeter(self.server, address, self.credentials, self._now, **behaviour)
        self.meters[bytes(meter.address)] = meter
        return meter

    def handle_request(self, frame: Any) -> bytes | None:
        meter = self.meters.get(bytes(frame.addr))
        return None if meter is None else meter.handle_request(frame)

    def remote_controls(self) -> int:
        """1CH frames the meters received, in all."""
        return sum(len(meter.commands) for meter in self.meters.values())

    def start(self) -> None:
        assert self.server.start(), "the dlt645 package's TCP server did not start"

    def stop(self) -> None:
        self.server.stop()


def _status_word_only() -> dict[int, Any]:
    return {STATUS_WORD_3_DI: deepcopy(DIMap[STATUS_WORD_3_DI])}


def _digits(bcd: bytes) -> str:
    """BCD low byte first (as DL/T 645 sends numbers) → the digits as written."""
    return bcd[::-1].hex()
