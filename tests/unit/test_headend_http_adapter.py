"""``HttpHeadEnd`` alone against sockets that misbehave: a head-end that takes the connection and
never answers is a timeout (a failed attempt, sent again); three in a row open the breaker, after
which nothing is sent until it may be up again; no error text carries the token."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from app.runtime.contract import ReceiverDown
from handlers.headend_http import HeadEndHttpSettings, HeadEndUnavailable, HttpHeadEnd
from tests.doubles import FakeClock

COMMAND = {"command_id": "HES-1-a", "meter_address": "000000123456", "action": "direct_close",
           "deadline": "2026-03-02T01:30:00+00:00"}
TOKEN = "the-secret-token"


@pytest.fixture
def silent_port() -> Iterator[tuple[int, list[socket.socket]]]:
    """A port that accepts connections and never answers (a hung head-end)."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    accepted: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        listener.settimeout(0.1)
        while not stop.is_set():
            try:
                accepted.append(listener.accept()[0])
            except TimeoutError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield int(listener.getsockname()[1]), accepted
    stop.set()
    thread.join()
    for conn in accepted:
        conn.close()
    listener.close()


def adapter(port: int, **settings: float) -> HttpHeadEnd:
    return HttpHeadEnd(HeadEndHttpSettings(f"http://127.0.0.1:{port}", TOKEN, connect_timeout=0.5,
                                           read_timeout=0.2, **settings),  # type: ignore[arg-type]
                       FakeClock(datetime(2026, 3, 2, 1, 0, tzinfo=UTC)))


def test_a_headend_that_never_answers_is_a_timeout_then_the_breaker_opens(
        silent_port: tuple[int, list[socket.socket]]) -> None:
    port, accepted = silent_port
    headend = adapter(port, failures_to_open=3, open_seconds=60)
    for _ in range(3):
        with pytest.raises(HeadEndUnavailable, match="did not answer in time") as failure:
            headend.send(COMMAND, "key-1")
        assert TOKEN not in str(failure.value)
    assert headend.breaker_state == "open"
    with pytest.raises(ReceiverDown) as down:
        headend.send(COMMAND, "key-1")
    assert down.value.retry_at == datetime(2026, 3, 2, 1, 1, tzinfo=UTC)  # the clock's now + 60 s
    assert len(accepted) == 3  # nothing reached the socket while the breaker was open


def test_a_refused_connection_names_the_reason_not_the_request() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # closed again: nobody listens there
    with pytest.raises(HeadEndUnavailable, match="cannot be reached: ConnectionRefusedError") as failure:
        adapter(port).send(COMMAND, "key-1")
    assert TOKEN not in str(failure.value) and "key-1" not in str(failure.value)
