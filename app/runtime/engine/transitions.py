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
from typing import Any, Protocol
from uuid import UUID

RECORDED_STATES = {"READY": "element.ready", "WAITING": "element.waiting", "COMPLETED": "element.completed",
                   "CANCELLED": "element.cancelled", "ERROR": "element.failed"}


@dataclass(frozen=True)
class Transition:
    task_id: UUID
    task_spec: str
    state: str


class Sink(Protocol):
    """Where a step's transitions go (a list that may hold the step's other events too)."""

    def append(self, item: Transition, /) -> None: ...


_current: ContextVar[Sink | None] = ContextVar("relayflow_transitions", default=None)


def _record(_msg: object, *_args: object, extra: dict[str, Any] | None = None, **_kwargs: object) -> None:
    """Stands in for ``spiff.task``'s ``info``: keeps what we need, builds no log record (hot path)."""
    sink = _current.get()
    if sink is None or extra is None or not str(_msg).startswith("State changed"):
        return  # e.g. "Branch reset": not a transition
    if extra.get("state") in RECORDED_STATES:
        sink.append(Transition(extra["task_id"], extra["task_spec"], extra["state"]))


_installed = False


def install() -> None:
    """Route ``spiff.task``'s INFO calls (one per state change) to the recorder, once.

    Its level stays INFO: below INFO the library copies every task's data into each record.
    """
    global _installed
    if _installed:
        return
    logger = logging.getLogger("spiff.task")
    logger.setLevel(logging.INFO)
    logger.info = _record  # type: ignore[method-assign,assignment]
    _installed = True


@contextmanager
def recording(sink: Sink) -> Iterator[Sink]:
    """Append this context's transitions to ``sink`` (which may hold other events too, in order)."""
    install()
    token = _current.set(sink)
    try:
        yield sink
    finally:
        _current.reset(token)
