"""What ``relayflow headend-sim`` does, read from a JSON object (every key optional; the demo's is
``app/headend_sim/demo-scenario.json``):

- ``seed``: random choices repeat run after run;
- ``success_rate``: share of commands whose relay moves (the rest: accepted, then failed);
- ``accepted_after_seconds``, ``finished_after_seconds``: when the meter took the command, and
  when it was executed or failed, counted from the moment the command was taken;
- ``offline_meters`` (addresses): never answer; failed after ``offline_after_seconds``;
- ``duplicate_rate``: share of results called back twice (the same result id);
- ``late_rate``, ``late_after_seconds``: share of final results called back that much later;
- ``unavailable_first_requests``: 503 to the first N command requests (a burst at start);
- ``unavailable``: 503 windows, ``[{"after_seconds": 60, "for_seconds": 30}]`` from the start.

A bad file is refused with the key that is wrong (or the line, for JSON that does not parse).
"""

from __future__ import annotations

import json
import random
import threading
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

from handlers.headend_simulator import Timings

KEYS = ("seed", "success_rate", "accepted_after_seconds", "finished_after_seconds", "offline_meters",
        "offline_after_seconds", "duplicate_rate", "late_rate", "late_after_seconds", "unavailable_first_requests",
        "unavailable")


class ScenarioError(ValueError):
    """The scenario file cannot be used; the message names the key (or the line) at fault."""


@dataclass(frozen=True)
class Window:
    after: float  # seconds since the simulator started
    length: float

    def holds(self, elapsed: float) -> bool:
        return self.after <= elapsed < self.after + self.length


@dataclass
class Scenario:
    seed: int | None = None
    success_rate: float = 1.0
    timings: Timings = field(default_factory=Timings)
    offline_meters: frozenset[str] = frozenset()
    duplicate_rate: float = 0.0
    late_rate: float = 0.0
    late_after: timedelta = timedelta(hours=1)
    unavailable_first_requests: int = 0
    unavailable: tuple[Window, ...] = ()
    _random: random.Random = field(default_factory=random.Random, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def __post_init__(self) -> None:
        self._random.seed(self.seed)

    def _chance(self, rate: float) -> bool:
        with self._lock:
            return rate > 0 and self._random.random() < rate

    # --- handlers.headend_simulator.Variation ---
    def behaviour(self, payload: dict[str, Any]) -> str | None:
        if str(payload.get("meter_address")) in self.offline_meters:
            return "offline"
        return "fails" if self.success_rate < 1 and not self._chance(self.success_rate) else None

    def deliveries(self, result: dict[str, Any]) -> list[timedelta]:
        first = self.late_after if result["stage"] != "accepted" and self._chance(self.late_rate) else timedelta(0)
        return [first, first + timedelta(seconds=1)] if self._chance(self.duplicate_rate) else [first]

    def unavailable_now(self, requests_so_far: int, elapsed: float) -> bool:
        """Whether the request numbered ``requests_so_far`` (from 0), ``elapsed`` seconds after the
        start, is answered 503."""
        return requests_so_far < self.unavailable_first_requests or any(w.holds(elapsed) for w in self.unavailable)


def load_scenario(path: str | Path | None) -> Scenario:
    """The scenario in the file (no file: every command succeeds, results after 5 and 30 s)."""
    if path is None:
        return Scenario()
    text = Path(path).read_text(encoding="utf-8")
    try:
        raw = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ScenarioError(f"{path}: not JSON, line {exc.lineno} column {exc.colno}: {exc.msg}") from exc
    return scenario_from(raw, str(path))


def scenario_from(raw: Any, where: str = "scenario") -> Scenario:
    if not isinstance(raw, dict):
        raise ScenarioError(f"{where}: must be a JSON object with the keys {', '.join(KEYS)}")
    unknown = sorted(set(raw) - set(KEYS))
    if unknown:
        raise ScenarioError(f"{where}: unknown key {unknown[0]!r}; known: {', '.join(KEYS)}")
    defaults = Timings()
    timings = Timings(
        accepted=_seconds(raw, "accepted_after_seconds", defaults.accepted, where),
        finished=_seconds(raw, "finished_after_seconds", defaults.finished, where),
        offline=_seconds(raw, "offline_after_seconds", defaults.offline, where),
    )
    if timings.finished < timings.accepted:
        raise ScenarioError(f"{where}: finished_after_seconds must not be before accepted_after_seconds")
    meters = raw.get("offline_meters", [])
    if not isinstance(meters, list) or not all(isinstance(m, str) for m in meters):
        raise ScenarioError(f"{where}: offline_meters must be a list of meter addresses (strings)")
    seed = raw.get("seed")
    if seed is not None and (not isinstance(seed, int) or isinstance(seed, bool)):
        raise ScenarioError(f"{where}: seed must be an integer")
    return Scenario(
        seed=seed, success_rate=_rate(raw, "success_rate", 1.0, where), timings=timings,
        offline_meters=frozenset(meters), duplicate_rate=_rate(raw, "duplicate_rate", 0.0, where),
        late_rate=_rate(raw, "late_rate", 0.0, where),
        late_after=_seconds(raw, "late_after_seconds", timedelta(hours=1), where),
        unavailable_first_requests=int(_number(raw, "unavailable_first_requests", 0, where)),
        unavailable=_windows(raw.get("unavailable", []), where),
    )


def _number(raw: dict[str, Any], key: str, default: float, where: str) -> float:
    value = raw.get(key, default)
    if not isinstance(value, int | float) or isinstance(value, bool) or value < 0:
        raise ScenarioError(f"{where}: {key} must be a number ≥ 0, not {value!r}")
    return float(value)


def _rate(raw: dict[str, Any], key: str, default: float, where: str) -> float:
    value = _number(raw, key, default, where)
    if value > 1:
        raise ScenarioError(f"{where}: {key} is a share between 0 and 1, not {value!r}")
    return value


def _seconds(raw: dict[str, Any], key: str, default: timedelta, where: str) -> timedelta:
    return timedelta(seconds=_number(raw, key, default.total_seconds(), where))


def _windows(raw: Any, where: str) -> tuple[Window, ...]:
    if not isinstance(raw, list):
        raise ScenarioError(f"{where}: unavailable must be a list of {{after_seconds, for_seconds}}")
    windows = []
    for index, item in enumerate(raw):
        if not isinstance(item, dict) or set(item) != {"after_seconds", "for_seconds"}:
            raise ScenarioError(f"{where}: unavailable[{index}] must have exactly after_seconds and for_seconds")
        windows.append(Window(_number(item, "after_seconds", 0, where), _number(item, "for_seconds", 0, where)))
    return tuple(windows)
