"""The head-end over HTTP (issue 15): the outbox adapter that hands meter commands to a real
head-end (or to ``relayflow headend-sim``, which speaks the same contract).

The contract (README, "The head-end over HTTP"): relayflow → head-end ``POST {url}/commands`` with
``{command_id, meter_address, action, deadline}``, the outbox's idempotency key in the
``Idempotency-Key`` header and ``Authorization: Bearer <token>``; the head-end answers 2xx when it
has taken the command (a repeated key is taken once) and reports the results later through
``POST /api/headend/results``.

- timeouts and 5xx (and 408, 429): a failed attempt, sent again by the outbox after its backoff
  with the same key;
- other 4xx: ``SendRefused`` with the head-end's answer: given up at once, an incident;
- a circuit breaker (pybreaker) opens after ``failures_to_open`` failures in a row: while it is
  open nothing is sent (``ReceiverDown``: not an attempt, no history per row, one log line) and
  after ``open_seconds`` one command probes the head-end again.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pybreaker
import requests

from app.clock import Clock
from app.runtime.contract import ReceiverDown, SendRefused
from app.translations import N_
from handlers.breaker_log import BreakerLog

log = logging.getLogger("relayflow.headend.http")

RETRYABLE_4XX = (408, 429)  # the head-end is busy, not refusing: the outbox sends it again
MAX_ANSWER = 500  # characters of the head-end's answer kept in a refusal or a failure
ABOUT_TTL = 60.0  # seconds a probe of what the head-end says it is stays believed


@dataclass(frozen=True)
class HeadEndHttpSettings:
    """Where the head-end is and how patient to be with it (``HEADEND_*`` in the configuration)."""

    url: str
    token: str | None = None
    connect_timeout: float = 3.0
    read_timeout: float = 10.0
    failures_to_open: int = 3
    open_seconds: float = 30.0


class HeadEndUnavailable(Exception):
    """The head-end did not take the command this time (timeout, refused connection, 5xx)."""


class HttpHeadEnd:
    """Outbox adapter ``headend`` over HTTP; one per process, shared by its dispatcher's threads."""

    def __init__(self, settings: HeadEndHttpSettings, clock: Clock, http: requests.Session | None = None) -> None:
        self.settings, self._clock = settings, clock
        self._http = http or requests.Session()
        self._breaker = pybreaker.CircuitBreaker(
            fail_max=settings.failures_to_open, reset_timeout=settings.open_seconds, exclude=[SendRefused],
            listeners=[BreakerLog(log, f"head-end at {settings.url}")], name="headend", throw_new_error_on_trip=False)
        self._about_lock = threading.Lock()
        self._about: tuple[float, bool | None] = (0.0, None)

    @property
    def breaker_state(self) -> str:
        """``closed`` (sending), ``open`` (not sending) or ``half-open`` (one probe)."""
        return str(self._breaker.current_state)

    def send(self, payload: dict[str, Any], idempotency_key: str) -> dict[str, Any]:
        try:
            answer: dict[str, Any] = self._breaker.call(self._post, payload, idempotency_key)
        except pybreaker.CircuitBreakerError as exc:
            raise ReceiverDown(f"the head-end at {self.settings.url} is not answering (circuit open)",
                               self._clock.now() + timedelta(seconds=self.settings.open_seconds)) from exc
        return answer

    def _post(self, payload: dict[str, Any], idempotency_key: str) -> dict[str, Any]:
        body = {name: payload.get(name) for name in ("command_id", "meter_address", "action", "deadline")}
        try:
            response = self._http.post(f"{self.settings.url.rstrip('/')}/commands", json=body,
                                       headers=self._headers(idempotency_key),
                                       timeout=(self.settings.connect_timeout, self.settings.read_timeout))
        except requests.Timeout as exc:
            raise HeadEndUnavailable(f"the head-end did not answer in time ({type(exc).__name__})") from exc
        except requests.ConnectionError as exc:
            raise HeadEndUnavailable(f"the head-end cannot be reached: {_reason(exc)}") from exc
        answer = response.text[:MAX_ANSWER]
        if response.status_code >= 500 or response.status_code in RETRYABLE_4XX:
            raise HeadEndUnavailable(f"the head-end answered {response.status_code}: {answer}")
        if response.status_code >= 400:
            raise SendRefused(f"the head-end refused the command ({response.status_code}): {answer}")
        return {"http_status": response.status_code, "answer": _json_or_text(response)}

    def _headers(self, idempotency_key: str) -> dict[str, str]:
        headers = {"Idempotency-Key": idempotency_key}
        if self.settings.token:
            headers["Authorization"] = f"Bearer {self.settings.token}"
        return headers

    def check(self) -> str:
        """Whether the head-end answers at its URL (``GET /``; any HTTP answer is an answer)."""
        try:
            response = self._http.get(self.settings.url.rstrip("/") + "/",
                                      timeout=(self.settings.connect_timeout, self.settings.read_timeout))
        except requests.RequestException as exc:
            raise HeadEndUnavailable(f"{self.settings.url} cannot be reached: {_reason(exc)}") from exc
        if response.status_code >= 500:
            raise HeadEndUnavailable(f"{self.settings.url} answered {response.status_code}")
        about = _json_or_text(response)
        what = " — a SIMULATOR (no meter is reached)" if isinstance(about, dict) and about.get("simulator") else ""
        return f"{self.settings.url} answers (HTTP {response.status_code}){what}; circuit {self.breaker_state}"

    @property
    def simulated(self) -> str | None:
        """The banner's words when the head-end at the URL says it is a simulator (``GET /``), so a
        demo wired to ``relayflow headend-sim`` keeps saying so; asked at most once a minute."""
        with self._about_lock:
            asked_at, is_simulator = self._about
            if time.monotonic() - asked_at > ABOUT_TTL or asked_at == 0.0:
                answered = self._ask_about()  # a head-end that is down keeps what it said last
                is_simulator = is_simulator if answered is None else answered
                self._about = (time.monotonic(), is_simulator)
        return N_("simulated head-end") if is_simulator else None

    def _ask_about(self) -> bool | None:
        try:
            about = self._http.get(self.settings.url.rstrip("/") + "/", timeout=(0.5, 0.5)).json()
        except (requests.RequestException, ValueError):
            return None
        return bool(isinstance(about, dict) and about.get("simulator"))


def _reason(exc: BaseException) -> str:
    """The innermost reason of a connection error, without the request it was for."""
    for _ in range(5):
        inner = exc.__cause__ or (exc.args[0] if exc.args and isinstance(exc.args[0], BaseException) else None)
        if inner is None:
            break
        exc = inner
    return f"{type(exc).__name__}: {str(exc)[:MAX_ANSWER]}"


def _json_or_text(response: requests.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return response.text[:MAX_ANSWER]
