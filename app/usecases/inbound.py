"""What happens when the outside world calls in: head-end results and payments, with their
follow-ups (a trip whose result is now known lets a paid-up customer's reconnection start)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from sqlalchemy import select

from app.clock import Clock
from app.runtime.api import Runtime
from app.usecases import headend_results
from app.usecases import payments as billing
from app.usecases.headend_results import receive_result
from app.usecases.inbound_history import record_refusal
from app.usecases.payments import record_payment
from app.usecases.reconnections import reconnect_if_due
from handlers.headend import FINAL_STAGES
from storage.db import Database
from storage.domain_models import Customer, MeterCommand


class CallbackServices(Protocol):
    db: Database
    clock: Clock
    runtime: Runtime


def process_headend_result(services: CallbackServices, payload: Mapping[str, Any]) -> dict[str, Any]:
    """Record one head-end result, deliver it to its instance, then reconnect the customer at
    once if a trip that was in flight kept them waiting (they paid meanwhile)."""
    outcome = receive_result(services, payload)
    if outcome["stage"] in FINAL_STAGES:
        with services.db.reading() as session:
            number = session.execute(select(Customer.number).join(
                MeterCommand, MeterCommand.customer_id == Customer.id).where(
                MeterCommand.command_id == outcome["command_id"])).scalar_one_or_none()
        if number is not None:
            outcome["reconnection_instance"] = reconnect_if_due(services.runtime, number, "trip_result")
    return outcome


def process_payment(services: CallbackServices, payload: Any) -> dict[str, Any]:
    return record_payment(services.runtime, payload)


@dataclass(frozen=True)
class Inbound:
    """One machine API: what identifies its items, how one is processed, where refusals go."""

    id_field: str
    process: Callable[[CallbackServices, Any], dict[str, Any]]
    stream: str
    rejected: str
    actor: str

    def refuse(self, services: CallbackServices, sent: Any, error: str) -> None:
        """Record a request refused as a whole (not JSON, nested too deep, too large a batch): the
        README promises every message in is in the history, refused ones too (issue 10 item 19)."""
        record_refusal(services.db, services.clock, self.stream, self.rejected, sent, error, self.actor)


PAYMENTS = Inbound("payment_id", process_payment, billing.STREAM, "payment.rejected", billing.ACTOR)
HEADEND_RESULTS = Inbound("result_id", process_headend_result, headend_results.STREAM, "headend.result_rejected",
                          headend_results.ACTOR)
