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

    def decide(self, rule_task: str, data: Mapping[str, Any]) -> dict[str, Any]:
        """Ask the decision table that this process's business-rule task ``rule_task`` calls (the
        deployed version), with ``data`` as the task data it reads: its outputs, {} when no rule
        matches. ValueError when the process has no such task."""


Handler = Callable[..., Mapping[str, Any] | None]


class OutboxAdapter(Protocol):
    """Delivers one effect to the outside world. Must be idempotent on ``idempotency_key``.

    Any exception is a failed attempt, sent again after a backoff with the same key, except
    ``SendRefused`` (given up at once) and ``ReceiverDown`` (not an attempt: nothing was tried)."""

    def send(self, payload: dict[str, Any], idempotency_key: str) -> Mapping[str, Any] | None: ...


class CheckedAdapter(Protocol):
    """An adapter that can say whether it works without sending anything (``relayflow check-adapters``)."""

    def check(self) -> str:
        """What works, in one line (no secret in it); raises with the reason when it does not."""


class SendRefused(Exception):
    """The receiver refused the effect for good (an HTTP 4xx, say): sending it again with the same
    content would not help. The row is given up at once, its refusal hook records what the domain
    needs, and its instance gets an incident with the receiver's answer."""


class ReceiverDown(Exception):
    """The receiver is known to be down (its circuit breaker is open): nothing was sent. The row is
    not counted as an attempt and the adapter's rows wait until ``retry_at``."""

    def __init__(self, message: str, retry_at: datetime) -> None:
        super().__init__(message)
        self.retry_at = retry_at




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

# Asked just before a row is sent (in the transaction that leases it), by adapter name: (session,
# payload, now) -> None to send it, or why it must not leave any more (a trip whose customer paid
# meanwhile). The check records what the domain needs; the row is then withdrawn, unsent.
SendCheck = Callable[[Session, dict[str, Any], datetime], str | None]

# What the domain records when the receiver refused a row for good: (session, payload, answer, now).
Refusal = Callable[[Session, dict[str, Any], str, datetime], object]

# What the domain releases when an operator terminates an instance (its meter commands, its
# order...), in the terminating transaction: (session, instance id, reason, actor, now).
TerminationHook = Callable[[Session, int, str, str, datetime], object]


class StepObserver(Protocol):
    """Hears of every instance step (metrics): who drove it (``person`` or the system part, e.g.
    ``system:scheduler``), how it ended (``ok``, ``incident``, ``failed``) and how long it took."""

    def step_done(self, kind: str, outcome: str, seconds: float) -> None: ...
