"""The engine's time during a step: the step's own time, never the wall clock mid-step.

SpiffWorkflow's timers read ``datetime.now`` in one module (notes: timers read the wall clock),
so a timer set in a step would carry the milliseconds the step had taken so far — a time no
replay could reproduce. That module's ``datetime`` is replaced, once, by a subclass whose ``now``
answers the time set for the current context (thread / task) by ``engine_time``, and the real
time elsewhere. Every step runs at its recorded time; a replay runs each input at the time
recorded for it — in a web request too, without moving any other request's timers.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime, tzinfo

from SpiffWorkflow.bpmn.specs.event_definitions import timer

_current: ContextVar[datetime | None] = ContextVar("relayflow_engine_time", default=None)


class _EngineDatetime(datetime):
    @classmethod
    def now(cls, tz: tzinfo | None = None) -> datetime:  # type: ignore[override]
        fixed = _current.get()
        if fixed is None:
            return datetime.now(tz)
        return fixed.astimezone(tz) if tz is not None else fixed.replace(tzinfo=None)


@contextmanager
def engine_time(moment: datetime) -> Iterator[None]:
    """Inside this block (and this context only), the engine's ``now`` is ``moment``."""
    if timer.datetime is not _EngineDatetime:
        timer.datetime = _EngineDatetime
    token = _current.set(moment)
    try:
        yield
    finally:
        _current.reset(token)
