"""What the runtime promises the code it calls: service-task handlers, validators' neighbours,
outbox adapters and their receipts, termination hooks. Nothing here imports SpiffWorkflow or the
runtime's machinery, so ``handlers/`` can depend on this module alone (the import contract in
``setup.cfg`` keeps it so).

A handler is a plain function ``handler(ctx, **params) -> dict``. It never talks to the outside world
itself: it returns a result (recorded in the history, so an instance can be replayed) and queues
outside effects with ``ctx.send`` (outbox rows written in the step's transaction, sent after
commit). An exception from a handler becomes an incident.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy.orm import Session


class ServiceContext(Protocol):
    """What a handler may use: ids for idempotency keys, the step's time and session, the outbox."""

    session: Session
    now: datetime
    instance_id: int
    task_id: str
    element_id: str
    operator: str

    def send(self, adapter: str, payload: Mapping[str, Any], *, key: str | None = None) -> str:
        """Queue an outside effect through the named adapter; returns its idempotency key."""

    def set_attribute(self, name: str, value: Any) -> None:
        """Set (or, with None, clear) a searchable business attribute of this instance."""

    def start_children(self, process_id: str, items: list[dict[str, Any]], done_message: str, *,
                       with_results: bool = True) -> None:
        """Start one child instance per item after this step commits; ``with_results``: the done
        message carries every child's result (else the batch id and a count per status)."""

    def batch_results(self, batch_id: int) -> list[dict[str, Any]]:
        """Every child of a batch this instance started, in start order: ``instance_id``,
        ``process_id``, ``status``, ``result`` and start ``data``. NotFound for another's batch."""


Handler = Callable[..., Mapping[str, Any] | None]


class OutboxAdapter(Protocol):
    """Delivers one effect to the outside world. Must be idempotent on ``idempotency_key``."""

    def send(self, payload: dict[str, Any], idempotency_key: str) -> Mapping[str, Any] | None: ...


@dataclass(frozen=True)
class Handover:
    """An outbox row an adapter has taken: what was sent and what the adapter answered."""

    outbox_id: int
    idempotency_key: str
    payload: dict[str, Any]
    response: dict[str, Any]


# What the domain records once an adapter has taken a row (a meter command is now "sent", an SMS's
# parts have their SMSC message ids), in the transaction that marks the row sent:
# (session, handover, now) -> facts for the ``outbox.sent`` event.
Receipt = Callable[[Session, Handover, datetime], Mapping[str, Any]]

# What the domain releases when an operator terminates an instance (its meter commands, its
# order...), in the terminating transaction: (session, instance id, reason, actor, now).
TerminationHook = Callable[[Session, int, str, str, datetime], object]


class StepObserver(Protocol):
    """Hears of every instance step (metrics): who drove it (``person`` or the system part, e.g.
    ``system:scheduler``), how it ended (``ok``, ``incident``, ``failed``) and how long it took."""

    def step_done(self, kind: str, outcome: str, seconds: float) -> None: ...
