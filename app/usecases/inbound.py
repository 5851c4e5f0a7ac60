"""The machine APIs' use cases by endpoint: what identifies an item, which use case takes it, and
the history stream where refusals go. ``app.web.machine_api`` reads the request; these decide."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from app.runtime.api import Runtime
from app.usecases import headend_results, payments
from app.usecases.batches import TakeWithin, take_batch, take_one
from app.usecases.headend_results import result_within
from app.usecases.inbound_history import record_refusal
from app.usecases.payments import payment_within
from app.usecases.reversals import REJECTED, reversal_within


@dataclass(frozen=True)
class Inbound:
    """One machine API: what identifies its items, how one is taken, where refusals go."""

    id_field: str
    take_within: TakeWithin
    stream: str
    rejected: str
    actor: str

    def take(self, runtime: Runtime, item: Any) -> dict[str, Any]:
        """One item, in a transaction of its own."""
        return take_one(runtime, self.take_within, item)

    def take_all(self, runtime: Runtime, items: Iterable[Any]) -> list[dict[str, Any] | Exception]:
        """A batch, many items per transaction (each in its own savepoint): outcomes or refusals, in order."""
        return take_batch(runtime, self.take_within, items)

    def refuse(self, runtime: Runtime, sent: Any, error: str) -> None:
        """Record a request refused as a whole (not JSON, nested too deep, too large a batch): the
        README promises every message in is in the history, refused ones too (issue 10 item 19)."""
        record_refusal(runtime, self.stream, self.rejected, sent, error, self.actor)


PAYMENTS = Inbound("payment_id", payment_within, payments.STREAM, "payment.rejected", payments.ACTOR)
REVERSALS = Inbound("payment_id", reversal_within, payments.STREAM, REJECTED, payments.ACTOR)
HEADEND_RESULTS = Inbound("result_id", result_within, headend_results.STREAM, "headend.result_rejected",
                          headend_results.ACTOR)
