"""Starting reconnections (M5.1): the patrol, and its immediate twins — on payment, when a trip's
result frees the meter of a customer who paid meanwhile, when a trip's wait expires.

Every disconnected customer who owes nothing and has neither an open reconnection nor a meter
command in flight gets a reconnection: one ``reconnect`` instance, whose diagram decides
between the automatic path (flagged customers) and a manual order. The open order row and the
instance's first step commit together; a partial unique index allows one open order per
customer, so the patrol, a payment and a second worker can never open two.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from functools import partial
from typing import Any

from sqlalchemy.exc import IntegrityError

from app import metrics
from app.runtime.actors import Actor
from app.runtime.api import Runtime
from app.runtime.steps.core import StepFailed
from app.runtime.steps.unit import Unit
from handlers.reconnection import abandon_orders
from storage import meter_commands
from storage import reconnections as order_rows

log = logging.getLogger("relayflow.patrol")
RECONNECT_PROCESS = "reconnect"


@dataclass(frozen=True)
class PatrolReport:
    candidates: int
    started: int
    skipped: int


def run_patrol(runtime: Runtime, *, limit: int = 100_000) -> PatrolReport:
    """One round of the patrol; returns what it found and started."""
    now = runtime.clock.now()
    abandoned = close_abandoned_orders(runtime)
    if abandoned:
        log.warning("patrol: %d open reconnection orders had no running instance any more: closed", abandoned)
    with runtime.db.reading() as session:
        found = order_rows.candidates(session, now, limit=limit)
    with runtime.grouped() as group:  # many reconnections per commit, each in its own savepoint
        started = sum(1 for row in found
                      if group.run(partial(reconnect_within, runtime, customer_id=row.id,
                                           customer_number=row.number, trigger="patrol")) is not None)
    report = PatrolReport(len(found), started, len(found) - started)
    metrics.PATROL_SECONDS.observe((runtime.clock.now() - now).total_seconds())
    metrics.PATROL_CANDIDATES.inc(report.candidates)
    metrics.PATROL_STARTED.inc(report.started)
    log.info("patrol: %d candidates, %d reconnections started, %d skipped", *vars(report).values())
    return report


def reconnect(runtime: Runtime, customer_id: int, customer_number: str, trigger: str) -> int | None:
    """Open a reconnection for one customer and start its instance, atomically; None if the
    customer is no longer a candidate (checked again under the customer's row lock) or one is
    open already (the database said so)."""
    try:
        with runtime.unit() as unit:
            return _open_and_start(runtime, unit, customer_id, customer_number, trigger)
    except IntegrityError:
        log.info("customer %s already has an open reconnection", customer_number)
        return None


def reconnect_within(runtime: Runtime, unit: Unit, *, customer_id: int, customer_number: str,
                     trigger: str) -> int | None:
    """``reconnect`` inside the caller's transaction (a payment's: a crash after its commit cannot
    leave the paid-up customer waiting for the patrol, issue 10 item 6). A savepoint keeps the
    caller's own writes when the reconnection cannot start: one is open already, or its first
    step fails (logged; the patrol tries again)."""
    try:
        with unit.savepoint():  # the caller's writes stand whatever happens in it
            return _open_and_start(runtime, unit, customer_id, customer_number, trigger)
    except IntegrityError:
        log.info("customer %s already has an open reconnection", customer_number)
    except StepFailed as failure:
        log.warning("customer %s: the reconnection could not start, the patrol will try again: %s",
                    customer_number, failure)
    return None


def _open_and_start(runtime: Runtime, unit: Unit, customer_id: int, customer_number: str, trigger: str) -> int | None:
    if not order_rows.still_candidate(unit.session.connection(), runtime.clock.now(), customer_id):
        return None
    order_rows.open_order(unit.session.connection(), customer_id, trigger, runtime.clock.now())
    return runtime.start_within(unit, RECONNECT_PROCESS, {"customer_number": customer_number}, Actor.system(trigger))


def close_abandoned_orders(runtime: Runtime) -> int:
    """Open orders whose instance ended without closing them (terminated before the terminate
    closed its order itself...) would hide their customer from the patrol for ever: mark them
    abandoned, each recorded in the ``reconnections`` history (issue 5)."""
    with runtime.db.transaction() as session:
        return abandon_orders(session, order_rows.open_orders_of_ended_instances(session), "instance ended",
                              runtime.clock.now(), actor="system:patrol")


def reconnect_if_due(runtime: Runtime, customer_number: str, trigger: str) -> int | None:
    """Reconnect one customer at once if the patrol would (a payment, a trip's result...)."""
    now = runtime.clock.now()
    with runtime.db.reading() as session:
        row = order_rows.candidate(session, now, customer_number)
    return reconnect(runtime, row.id, row.number, trigger) if row is not None else None


def reconnect_after_result(runtime: Runtime, command_id: str) -> int | None:
    """A command's final result is known: if it was a trip that kept a paid-up customer waiting
    (the patrol skips a meter with a command in flight), reconnect them now."""
    with runtime.db.reading() as session:
        number = meter_commands.customer_number_of(session.connection(), command_id)
    return reconnect_if_due(runtime, number, "trip_result") if number is not None else None


class ReconnectionRequests:
    """The outbox adapter ``reconnection``: a step asks for a customer's reconnection with
    ``ctx.send("reconnection", {"customer_number", "trigger"})`` (a trip whose wait expired after
    the customer paid, ``headend.expire_command``); the row is written with the step and taken
    after its commit, so the request survives a crash, and the reconnection runs in its own
    transaction, as one instance must not step another."""

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime

    def send(self, payload: dict[str, Any], idempotency_key: str) -> dict[str, Any]:
        started = reconnect_if_due(self.runtime, str(payload["customer_number"]), str(payload["trigger"]))
        return {"reconnection_instance": started}
