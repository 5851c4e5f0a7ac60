"""DL/T 645 over TCP (issue 15 item 2): where a meter is reached, and one conversation with it.

A meter is reached through a gateway (a concentrator or a serial-to-TCP converter that forwards
frames to the meters behind it by address) or, for a few, at an address of its own. Each endpoint
has a circuit breaker (pybreaker, as the head-end over HTTP) and answers one request at a time: a
gateway's meter bus carries one frame at a time.

Two ways a conversation fails, told apart because a breaker must only count one of them:
``EndpointUnreachable`` (no TCP connection: the gateway is down; counted) and ``MeterSilent``
(connected, but no well-formed answer in time: that meter is offline, which happens to meters
every day and says nothing about the gateway; not counted).
"""

from __future__ import annotations

import logging
import socket
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TypeVar

import pybreaker

from handlers.breaker_log import BreakerLog
from handlers.dlt645 import Frame, FrameError, decode, encode, frame_size

log = logging.getLogger("relayflow.headend.dlt645")

T = TypeVar("T")
WAKE_UP = 4  # FE bytes before each request: meters on a bus wake up on them


@dataclass(frozen=True)
class Endpoint:
    host: str
    port: int

    def __str__(self) -> str:
        return f"{self.host}:{self.port}"


def endpoint(text: str, what: str = "endpoint") -> Endpoint:
    """``host:port`` (an IPv6 host in brackets); ValueError names ``what`` when it is not one."""
    host, _, port = text.strip().rpartition(":")
    host = host.strip("[]")
    if not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise ValueError(f"{what} must be host:port, not {text!r}")
    return Endpoint(host, int(port))


def meter_endpoints(value: Mapping[str, str] | str | None) -> dict[str, Endpoint]:
    """Meters with an endpoint of their own: ``{address: "host:port"}``, or ``"address=host:port,…"``
    (the environment's form); ValueError names the entry at fault."""
    if not value:
        return {}
    pairs = value.items() if isinstance(value, Mapping) else (
        entry.partition("=")[::2] for entry in value.split(",") if entry.strip())
    endpoints = {}
    for address, where in pairs:
        address = address.strip()
        if len(address) != 12 or not address.isdigit():
            raise ValueError(f"a meter address is 12 decimal digits, not {address!r} (HEADEND_DLT645_METERS)")
        endpoints[address] = endpoint(where, f"meter {address}'s endpoint")
    return endpoints


@dataclass(frozen=True)
class LinkSettings:
    connect_timeout: float = 3.0  # seconds to reach the endpoint
    read_timeout: float = 5.0  # seconds for a meter's answer (a PLC meter behind a gateway is slow)
    failures_to_open: int = 3  # endpoints unreachable this many times in a row: not tried for a while
    open_seconds: float = 30.0


class EndpointUnreachable(Exception):
    """No TCP connection to the gateway (or meter) at the endpoint."""


class MeterSilent(Exception):
    """Connected, but the meter gave no well-formed answer in time."""


class EndpointDown(Exception):
    """The endpoint's breaker is open: nothing was tried."""


def _not_the_endpoint(exc: BaseException) -> bool:
    """What a breaker does not count: anything but an endpoint out of reach (a silent meter, a refusal)."""
    return not isinstance(exc, EndpointUnreachable)


class Conversation:
    """One TCP connection to an endpoint: ``ask`` sends a request and returns the meter's answer."""

    def __init__(self, sock: socket.socket, where: Endpoint) -> None:
        self._sock, self._where = sock, where

    def ask(self, request: Frame) -> Frame:
        """The answer from the request's meter (frames from other meters on the bus are skipped)."""
        try:
            self._sock.sendall(encode(request, preamble=WAKE_UP))
            while True:
                answer = decode(self._read_frame())
                if answer.address == request.address and answer.control & 0x9F == request.control | 0x80:
                    return answer
                log.info("DL/T 645 at %s: skipped a frame from %s (control %02X)", self._where, answer.address,
                         answer.control)
        except TimeoutError as exc:
            raise MeterSilent(f"meter {request.address} did not answer through {self._where} in time") from exc
        except (OSError, FrameError) as exc:
            raise MeterSilent(f"meter {request.address} through {self._where}: {type(exc).__name__}: {exc}") from exc

    def _read_frame(self) -> bytes:
        received = b""
        while (size := frame_size(received)) is None or len(received) < size:
            chunk = self._sock.recv(512)
            if not chunk:
                raise ConnectionError("the connection was closed before a whole answer arrived")
            received += chunk
        return received[:size]


class Links:
    """Where each meter is reached, with one breaker and one lock per endpoint."""

    def __init__(self, gateway: Endpoint | None, meters: Mapping[str, Endpoint], settings: LinkSettings) -> None:
        self.gateway, self.meters, self.settings = gateway, dict(meters), settings
        endpoints = {*self.meters.values(), *([gateway] if gateway else [])}
        self._breakers = {where: pybreaker.CircuitBreaker(
            fail_max=settings.failures_to_open, reset_timeout=settings.open_seconds, exclude=[_not_the_endpoint],
            listeners=[BreakerLog(log, f"DL/T 645 endpoint {where}")], name=str(where), throw_new_error_on_trip=False)
            for where in endpoints}
        self._locks = {where: threading.Lock() for where in endpoints}

    def endpoint_of(self, meter_address: str) -> Endpoint:
        """The meter's own endpoint, else the gateway's; LookupError when neither is configured."""
        where = self.meters.get(meter_address, self.gateway)
        if where is None:
            raise LookupError(f"no DL/T 645 endpoint for meter {meter_address}: no gateway is configured and "
                              "the meter has no endpoint of its own")
        return where

    def all_down(self) -> bool:
        """Every endpoint's breaker is open: nothing could be sent to any meter now."""
        return all(str(breaker.current_state) == "open" for breaker in self._breakers.values())

    def talk(self, meter_address: str, conversation: Callable[[Conversation], T]) -> T:
        """Run ``conversation`` on a connection to the meter's endpoint, through its breaker."""
        where = self.endpoint_of(meter_address)
        try:
            with self._locks[where]:
                return self._breakers[where].call(self._connected, where, conversation)
        except pybreaker.CircuitBreakerError as exc:
            raise EndpointDown(f"not tried: DL/T 645 endpoint {where} is not answering (circuit open)") from exc

    def reach(self, where: Endpoint) -> None:
        """Open and close a connection to the endpoint (EndpointUnreachable if it cannot be)."""
        self._connected(where, lambda _talk: None)

    def _connected(self, where: Endpoint, conversation: Callable[[Conversation], T]) -> T:
        try:
            sock = socket.create_connection((where.host, where.port), timeout=self.settings.connect_timeout)
        except OSError as exc:
            raise EndpointUnreachable(f"DL/T 645 endpoint {where} cannot be reached: {type(exc).__name__}: "
                                      f"{exc}") from exc
        with sock:
            sock.settimeout(self.settings.read_timeout)
            return conversation(Conversation(sock, where))
