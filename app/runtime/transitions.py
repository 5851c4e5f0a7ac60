"""Every task state change of an engine call, in order.

SpiffWorkflow has no per-transition callback; its ``spiff.task`` logger sees every state
change (notes §9). A handler on that logger appends to the list of the step currently running
in this thread/context, so concurrent steps never mix.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any
from uuid import UUID

RECORDED_STATES = {"READY": "element.ready", "WAITING": "element.waiting", "COMPLETED": "element.completed",
                   "CANCELLED": "element.cancelled", "ERROR": "element.failed"}


@dataclass(frozen=True)
class Transition:
    task_id: UUID
    task_spec: str
    state: str


_current: ContextVar[list[Any] | None] = ContextVar("relayflow_transitions", default=None)


class _TransitionHandler(logging.Handler):
    def handle(self, record: logging.LogRecord) -> bool:  # no lock, no formatting: hot path
        sink = _current.get()
        state = getattr(record, "state", None)
        if sink is not None and state in RECORDED_STATES:
            sink.append(Transition(record.task_id, record.task_spec, state))  # type: ignore[attr-defined]
        return True

    def emit(self, record: logging.LogRecord) -> None:  # pragma: no cover - handle() does the work
        self.handle(record)


_installed = False


def install() -> None:
    """Attach the recorder to ``spiff.task`` once. INFO, not lower: below INFO the library
    copies every task's data into each log record."""
    global _installed
    if _installed:
        return
    logger = logging.getLogger("spiff.task")
    logger.setLevel(logging.INFO)
    logger.propagate = False
    logger.addHandler(_TransitionHandler())
    _installed = True


@contextmanager
def recording(sink: list[Any]) -> Iterator[list[Any]]:
    """Append this context's transitions to ``sink`` (which may hold other events too, in order)."""
    install()
    token = _current.set(sink)
    try:
        yield sink
    finally:
        _current.reset(token)
