"""What happens when the outside world calls in: head-end results and payments, with their
follow-ups (a trip whose result is now known lets a paid-up customer's reconnection start)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

from sqlalchemy import select

from app.clock import Clock
from app.runtime.api import Runtime
from handlers.billing import record_payment
from handlers.headend import receive_result
from handlers.patrol import reconnect_if_due
from storage.db import Database
from storage.domain_models import Customer, MeterCommand

FINAL_STAGES = ("executed", "failed")


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
