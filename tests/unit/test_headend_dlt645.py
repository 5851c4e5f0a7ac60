"""The DL/T 645 adapter against meters of the PyPI ``dlt645`` package's TCP server (taught 1CH in
``tests/dlt645_meters.py``), on loopback, without a database: what it hands the sink, and when.
The flows' side (a reconnection end to end, on both databases) is
``tests/integration/test_headend_dlt645.py``."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from app.runtime.contract import ReceiverDown, SendRefused
from handlers.dlt645 import ACTIONS, Credentials
from handlers.dlt645_link import Endpoint, EndpointDown, EndpointUnreachable, LinkSettings, MeterSilent, meter_endpoints
from handlers.headend_dlt645 import Dlt645HeadEnd, Dlt645Settings
from tests.dlt645_meters import Gateway

CREDENTIALS = Credentials(level=2, password="741852", operator="96385274")
METER = "000000000001"
NOW = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)


@dataclass
class Clock:
    at: datetime = NOW

    def now(self) -> datetime:
        return self.at


@dataclass
class Sink:
    """Records every batch of results handed to it; takes them all."""

    batches: list[list[dict[str, Any]]] = field(default_factory=list)

    def __call__(self, results: list[dict[str, Any]]) -> list[dict[str, Any]]:
        self.batches.append(results)
        return []

    def stages(self) -> list[tuple[str, str, str | None]]:
        return [(r["command_id"], r["stage"], r.get("relay")) for batch in self.batches for r in batch]

    def last(self) -> dict[str, Any]:
        return self.batches[-1][-1]


@dataclass
class Rig:
    gateway: Gateway
    adapter: Dlt645HeadEnd
    sink: Sink
    clock: Clock

    def command(self, action: str, command_id: str = "HES-1-a", minutes: int = 30,
                address: str = METER) -> dict[str, Any]:
        payload = {"command_id": command_id, "meter_address": address, "action": action,
                   "deadline": (self.clock.at + timedelta(minutes=minutes)).isoformat()}
        return self.adapter.send(payload, f"key-{command_id}")

    def wait(self, seconds: float) -> int:
        """Let time pass and tick, as the worker does."""
        self.clock.at += timedelta(seconds=seconds)
        return self.adapter.tick()


def adapter_for(gateway: Endpoint, clock: Clock, sink: Sink, **link: Any) -> Dlt645HeadEnd:
    settings = Dlt645Settings(CREDENTIALS, gateway, poll_seconds=5,
                              link=LinkSettings(**{"connect_timeout": 0.5, "read_timeout": 0.3, **link}))
    return Dlt645HeadEnd(settings, sink, clock)


@pytest.fixture
def rig() -> Iterator[Rig]:
    clock, sink = Clock(), Sink()
    gateway = Gateway(CREDENTIALS, clock.now)
    gateway.start()
    try:
        yield Rig(gateway, adapter_for(Endpoint("127.0.0.1", gateway.port), clock, sink), sink, clock)
    finally:
        gateway.stop()


def test_a_delayed_trip_is_accepted_at_once_and_executed_only_when_the_relay_bit_changes(rig: Rig) -> None:
    meter = rig.gateway.add(METER, relay_open=False, delay_reads=3)
    answer = rig.command("trip")
    assert answer["sent"] and answer["accepted"] and answer["relay_before"] == "closed"
    assert meter.commands == [ACTIONS["trip"]]
    assert rig.adapter.tick() == 1 and rig.sink.stages() == [("HES-1-a", "accepted", None)]
    assert [rig.wait(5), rig.wait(5)] == [0, 0]  # polls 1 and 2: the relay is still closed
    assert rig.adapter.watching() == ["HES-1-a"]
    assert rig.wait(5) == 1  # poll 3: the bit says open
    assert rig.sink.stages()[-1] == ("HES-1-a", "executed", "open")
    assert rig.sink.last()["at"] == (NOW + timedelta(seconds=15)).isoformat()
    assert rig.adapter.watching() == [] and meter.commands == [ACTIONS["trip"]]


def test_a_close_on_a_closed_relay_is_executed_without_a_command_and_says_why(rig: Rig) -> None:
    meter = rig.gateway.add(METER, relay_open=False)
    answer = rig.command("direct_close")
    assert answer["sent"] is False and answer["relay_before"] == "closed"
    assert meter.commands == []  # no 1CH frame
    assert rig.adapter.tick() == 1
    result = rig.sink.last()
    assert (result["stage"], result["relay"]) == ("executed", "closed")
    assert "already closed" in result["note"] and "no direct close command was sent" in result["note"]


def test_a_trip_on_an_open_relay_is_executed_without_a_command(rig: Rig) -> None:
    meter = rig.gateway.add(METER, relay_open=True)
    assert rig.command("trip")["sent"] is False and meter.commands == []
    rig.adapter.tick()
    assert rig.sink.stages() == [("HES-1-a", "executed", "open")]


def test_a_trip_under_power_protect_is_refused_with_a_readable_reason(rig: Rig) -> None:
    meter = rig.gateway.add(METER, relay_open=False, protected=True)
    answer = rig.command("trip")
    assert answer["accepted"] is False
    rig.adapter.tick()
    result = rig.sink.last()
    assert (result["stage"], result["relay"]) == ("failed", "closed")
    assert result["error"] == ("the meter refused the trip (DC): other error; power-protect (保电) is on (sent valid "
                                 "until 2026-03-02 09:30:00 by the meter's clock)")
    assert meter.relay_open is False and rig.adapter.watching() == []


def test_a_wrong_password_is_a_refusal_that_says_so() -> None:
    clock, sink = Clock(), Sink()
    gateway = Gateway(Credentials(level=2, password="000000", operator="96385274"), clock.now)
    meter = gateway.add(METER, relay_open=True)
    gateway.start()
    try:
        rig = Rig(gateway, adapter_for(Endpoint("127.0.0.1", gateway.port), clock, sink), sink, clock)
        rig.command("direct_close")
        rig.adapter.tick()
    finally:
        gateway.stop()
    assert sink.last()["error"] == ("the meter refused the direct close (DC): wrong password or not "
                                      "authorised (sent valid until 2026-03-02 09:30:00 by the meter's clock)")
    assert meter.relay_open


def test_a_meter_whose_clock_is_past_the_deadline_refuses_the_command(rig: Rig) -> None:
    meter = rig.gateway.add(METER, relay_open=True, clock_ahead=timedelta(hours=1))
    rig.command("direct_close")
    rig.adapter.tick()
    assert rig.sink.last()["error"] == ("the meter refused the direct close (DC): other error (sent "
                                      "valid until 2026-03-02 09:30:00 by the meter's clock)")
    assert meter.commands == [ACTIONS["direct_close"]] and meter.relay_open


def test_the_deadline_is_written_in_the_meters_time(rig: Rig) -> None:
    """The command's deadline is 09:30 in Beijing (01:30 UTC): a meter 29 minutes ahead still takes it."""
    meter = rig.gateway.add(METER, relay_open=True, clock_ahead=timedelta(minutes=29))
    assert rig.command("direct_close")["valid_until"] == "2026-03-02T09:30:00+08:00"
    assert rig.wait(5) == 2 and not meter.relay_open  # accepted, then closed at the first poll


def test_a_relay_that_does_not_move_by_the_deadline_fails_the_command(rig: Rig) -> None:
    rig.gateway.add(METER, relay_open=True, delay=timedelta(minutes=40))
    rig.command("direct_close", minutes=1)
    for _ in range(12):
        rig.wait(5)
    assert rig.sink.stages() == [("HES-1-a", "accepted", None), ("HES-1-a", "failed", "open")]
    assert rig.sink.last()["error"] == "relay did not move: still not closed at the command's deadline (relay open)"


def test_close_allowed_on_an_internal_relay_waits_for_the_key_press(rig: Rig) -> None:
    meter = rig.gateway.add(METER, relay_open=True, internal_relay=True)
    rig.command("close_allowed")
    assert [rig.wait(5), rig.wait(5)] == [1, 0]  # accepted; the relay stays open
    meter.press_key()
    assert rig.wait(5) == 1 and rig.sink.stages()[-1] == ("HES-1-a", "executed", "closed")


def test_close_allowed_without_a_key_press_is_executed_with_the_relay_open_at_the_deadline(rig: Rig) -> None:
    rig.gateway.add(METER, relay_open=True, internal_relay=True)
    rig.command("close_allowed", minutes=1)
    for _ in range(12):
        rig.wait(5)
    assert rig.sink.stages() == [("HES-1-a", "accepted", None), ("HES-1-a", "executed", "open")]
    assert "until the customer holds the meter's key" in rig.sink.last()["note"]


def test_a_resend_while_the_relay_is_watched_sends_no_second_command(rig: Rig) -> None:
    meter = rig.gateway.add(METER, relay_open=True, delay_reads=5)
    rig.command("direct_close")
    assert rig.command("direct_close") == {"repeat": True, "watching": True}
    assert meter.commands == [ACTIONS["direct_close"]]


def test_a_silent_meter_fails_the_send_without_opening_the_gateways_breaker(rig: Rig) -> None:
    meter = rig.gateway.add(METER, relay_open=True)
    meter.offline = True
    for attempt in range(4):
        with pytest.raises(MeterSilent, match="did not answer"):
            rig.command("direct_close", command_id=f"HES-{attempt}-a")
    meter.offline = False
    assert rig.command("direct_close", command_id="HES-9-a")["accepted"]  # the gateway was never cut off


def test_an_unreachable_gateway_opens_its_breaker_and_then_nothing_is_tried(rig: Rig) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    down = adapter_for(Endpoint("127.0.0.1", closed_port), rig.clock, rig.sink, failures_to_open=2)
    for _ in range(2):
        with pytest.raises(EndpointUnreachable, match="cannot be reached"):
            down.send({"command_id": "HES-1-a", "meter_address": METER, "action": "trip",
                       "deadline": (NOW + timedelta(minutes=30)).isoformat()}, "k")
    with pytest.raises(ReceiverDown, match="circuit open"):  # its only endpoint: the outbox holds every row
        down.send({"command_id": "HES-2-a", "meter_address": METER, "action": "trip",
                   "deadline": (NOW + timedelta(minutes=30)).isoformat()}, "k2")


def test_with_another_endpoint_up_a_down_one_fails_its_own_rows_only(rig: Rig) -> None:
    rig.gateway.add(METER, relay_open=True)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed = Endpoint("127.0.0.1", probe.getsockname()[1])
    settings = Dlt645Settings(CREDENTIALS, Endpoint("127.0.0.1", rig.gateway.port), {"000000000002": closed},
                              link=LinkSettings(connect_timeout=0.5, read_timeout=0.3, failures_to_open=1))
    adapter = Dlt645HeadEnd(settings, rig.sink, rig.clock)
    elsewhere = Rig(rig.gateway, adapter, rig.sink, rig.clock)
    with pytest.raises(EndpointUnreachable):
        elsewhere.command("trip", "HES-1-b", address="000000000002")
    with pytest.raises(EndpointDown, match="circuit open"):  # a failed attempt, not the whole adapter down
        elsewhere.command("trip", "HES-2-b", address="000000000002")
    assert elsewhere.command("direct_close", "HES-3-b")["accepted"]  # the gateway's meters go on


def test_a_meter_with_no_endpoint_is_refused_for_good() -> None:
    adapter = Dlt645HeadEnd(Dlt645Settings(CREDENTIALS, None, {}), Sink(), Clock())
    with pytest.raises(SendRefused, match="no DL/T 645 endpoint for meter 000000000001"):
        adapter.send({"command_id": "HES-1-a", "meter_address": METER, "action": "trip",
                      "deadline": NOW.isoformat()}, "k")


def test_credentials_are_checked_when_configured_and_never_shown() -> None:
    with pytest.raises(ValueError, match="the password must be 6 decimal digits; it has 5 characters") as bad:
        Credentials(level=2, password="74185", operator="96385274")
    assert "74185" not in str(bad.value)
    shown = repr(Dlt645Settings(CREDENTIALS, Endpoint("gw", 8899)))
    assert "741852" not in shown and "96385274" not in shown


def test_meter_endpoints_are_read_from_the_environments_form() -> None:
    assert meter_endpoints("000000000002=10.0.0.5:8899, 000000000003=[::1]:9000") == {
        "000000000002": Endpoint("10.0.0.5", 8899), "000000000003": Endpoint("::1", 9000)}
    with pytest.raises(ValueError, match="a meter address is 12 decimal digits, not '12'"):
        meter_endpoints("12=10.0.0.5:8899")
    with pytest.raises(ValueError, match="meter 000000000002's endpoint must be host:port"):
        meter_endpoints({"000000000002": "10.0.0.5"})
