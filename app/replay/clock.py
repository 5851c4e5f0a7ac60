"""The engine's clock during a replay: the recorded time of the input being replayed.

SpiffWorkflow's timers read ``datetime.now`` in one module (notes: timers read the wall clock).
That module's ``datetime`` is replaced, once, by a subclass whose ``now`` answers the replay
time set for the current context (thread / task), and the real time everywhere else. A replay
in a web request therefore moves no other request's timers, and the worker's timers are
untouched while an auditor replays a case.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime, tzinfo

from SpiffWorkflow.bpmn.specs.event_definitions import timer

_current: ContextVar[ReplayClock | None] = ContextVar("relayflow_replay_clock", default=None)


class _EngineDatetime(datetime):
    @classmethod
    def now(cls, tz: tzinfo | None = None) -> datetime:  # type: ignore[override]
        clock = _current.get()
        fixed = clock.moment if clock is not None else None
        if fixed is None:
            return datetime.now(tz)
        return fixed.astimezone(tz) if tz is not None else fixed.replace(tzinfo=None)


def _install() -> None:
    if timer.datetime is not _EngineDatetime:
        timer.datetime = _EngineDatetime  # type: ignore[misc]


class ReplayClock:
    """Set with ``at(moment)``; only inside ``running()`` does the engine see it."""

    def __init__(self) -> None:
        self.moment: datetime | None = None

    def at(self, moment: datetime) -> None:
        self.moment = moment

    @contextmanager
    def running(self) -> Iterator[ReplayClock]:
        _install()
        token = _current.set(self)
        try:
            yield self
        finally:
            _current.reset(token)
