"""The machine APIs' use cases by endpoint: what identifies an item, which use case takes it, and
the history stream where refusals go. ``app.web.machine_api`` reads the request; these decide."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from app.runtime.api import Runtime
from app.usecases import headend_results, payments
from app.usecases.headend_results import take_headend_result
from app.usecases.inbound_history import record_refusal
from app.usecases.payments import record_payment


@dataclass(frozen=True)
class Inbound:
    """One machine API: what identifies its items, how one is taken, where refusals go."""

    id_field: str
    take: Callable[[Runtime, Any], dict[str, Any]]
    stream: str
    rejected: str
    actor: str

    def refuse(self, runtime: Runtime, sent: Any, error: str) -> None:
        """Record a request refused as a whole (not JSON, nested too deep, too large a batch): the
        README promises every message in is in the history, refused ones too (issue 10 item 19)."""
        record_refusal(runtime.db, runtime.clock, self.stream, self.rejected, sent, error, self.actor)


PAYMENTS = Inbound("payment_id", record_payment, payments.STREAM, "payment.rejected", payments.ACTOR)
HEADEND_RESULTS = Inbound("result_id", take_headend_result, headend_results.STREAM, "headend.result_rejected",
                          headend_results.ACTOR)
