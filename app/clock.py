"""The one clock our code reads. The engine's timers read ``datetime.now`` themselves (each step
pins it to the step's time: ``app.runtime.engine.clock``), so tests travel in time with
time-machine, which moves both."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime: ...


class SystemClock:
    """Wall-clock time, always timezone-aware UTC."""

    def now(self) -> datetime:
        return datetime.now(UTC)
