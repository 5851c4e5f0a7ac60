"""The AMI head-end (collection system): meter remote-control commands.

Commands go out through the outbox (adapter ``headend``) and are ``queued`` → ``sent`` (the adapter
took them) → ``accepted`` → ``executed`` / ``failed`` (or ``expired``, ``cancelled``, ``abandoned``).
Results come back asynchronously as callbacks, in two stages (domain notes: "accepted is not
done"): ``app.usecases.headend_results``.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol, runtime_checkable

from sqlalchemy.orm import Session

from app.runtime.contract import Handover, ServiceContext
from app.runtime.events import history
from app.runtime.events.history import NewEvent
from storage import meter_commands, reconnections
from storage.domain_models import DISCONNECTED, Customer

PROTECT_ACTIONS = ("protect_on", "protect_off")  # power-protect (保电, DL/T 645 3A/3B): no relay moves
ACTIONS = ("trip", "direct_close", "close_allowed", *PROTECT_ACTIONS)
IN_FLIGHT = ("queued", "sent", "accepted")
MOVED_ON = ("expired", "abandoned", "cancelled")  # no flow waits for their result any more
STAGES = ("accepted", "executed", "failed")
RECONNECTION = "reconnection"  # the outbox adapter that starts a customer's reconnection
FINAL_STAGES = ("executed", "failed")  # the relay moved, or will not: these wake the waiting instance
RELAY_STATES = ("open", "closed")
RESULT_MESSAGE = "headend_result"
STREAM = "headend"
MAX_ERROR_TEXT = 2000  # characters of a failed result's reason


@runtime_checkable
class TickingHeadEnd(Protocol):
    """A head-end adapter with work between sends: results to hand over (the simulator), relays to
    poll (DL/T 645). The worker calls ``tick`` every ``HEADEND_TICK_SECONDS``, so the outbox never
    waits on a meter; it returns how many results were taken."""

    def tick(self) -> int: ...


# --- operators for BPMN service tasks ------------------------------------------------------

def send_command(ctx: ServiceContext, customer_number: str, action: str, validity_minutes: int = 30) -> dict[str, Any]:
    """Queue one remote-control command to the customer's meter (at most one in flight per meter).

    Returns ``{"status": "queued", "command_id", "meter_address"}``, or ``{"status": "busy",
    "command_id": None, "busy_with"}`` while another command for the meter is still in flight.
    A retried task finds and reuses the command it created before (the id comes from the task).
    ``validity_minutes`` comes from the diagram, beside the timer that waits for the result.
    """
    if action not in ACTIONS:
        raise ValueError(f"unknown meter action {action!r}; expected one of {', '.join(ACTIONS)}")
    conn = ctx.session.connection()
    customer = meter_commands.meter_of(conn, customer_number)
    if customer is None:
        raise LookupError(f"no customer numbered {customer_number!r}")
    reconnections.count_send(conn, ctx.instance_id)  # the reports' send count, busy or not
    command_id = f"HES-{ctx.instance_id}-{hashlib.sha256(ctx.task_id.encode()).hexdigest()[:12]}"
    command = meter_commands.by_id(conn, command_id)
    if command is None:
        meter_commands.expire_overdue(conn, customer.meter_address, ctx.now)
        deadline = ctx.now + timedelta(minutes=validity_minutes)
        if not meter_commands.insert_unless_in_flight(conn, {
            "command_id": command_id, "customer_id": customer.id, "meter_address": customer.meter_address,
            "action": action, "status": "queued", "instance_id": ctx.instance_id, "created_at": ctx.now,
            "deadline": deadline,
        }):
            return {"status": "busy", "command_id": None,
                    "busy_with": meter_commands.in_flight(conn, customer.meter_address)}
        status = "queued"
    else:
        status, action, deadline = command.status, command.action, command.deadline
    if status in IN_FLIGHT:
        ctx.send("headend", {
            "command_id": command_id, "meter_address": customer.meter_address, "action": action,
            "deadline": deadline.astimezone(UTC).isoformat(),
        }, key="command")
    return {"status": "queued", "command_id": command_id, "meter_address": customer.meter_address}


def expire_command(ctx: ServiceContext, command_id: str) -> dict[str, Any]:
    """The wait for a result timed out: a command not yet final becomes ``expired``, freeing the meter.

    A trip that expired may still have landed. If its customer owes nothing (they paid while it
    was in flight), they are treated as cut and their reconnection is asked for through the
    outbox (``RECONNECTION``): a direct close on a closed relay is harmless, a paid-up customer
    left in the dark is not.
    """
    command = meter_commands.find(ctx.session, command_id)
    if command is None:
        raise LookupError(f"no meter command {command_id!r}")
    answer: dict[str, Any] = {"command_id": command.command_id, "status": command.status}
    if command.status in IN_FLIGHT:
        answer["old_status"], command.status = command.status, "expired"
        ctx.session.flush()
        customer = ctx.session.get(Customer, command.customer_id)
        if command.action == "trip" and customer is not None and customer.owed_cents <= 0:
            answer.update(customer=customer.number, power_status=[customer.power_status, DISCONNECTED])
            customer.power_status, customer.power_status_since = DISCONNECTED, ctx.now
            ctx.send(RECONNECTION, {"customer_number": customer.number, "trigger": "trip_expired"}, key="reconnect")
    # the answer is recorded in the instance's history: what changed, old → new (issue 5)
    return {**answer, "status": command.status}


def command_sent(session: Session, handover: Handover, now: datetime) -> dict[str, Any]:
    """Outbox receipt: the head-end adapter took the command, so it is ``sent`` (queued → sent, with
    the time): the customer's and the instance's pages can tell a command waiting here from one out
    there, and a payment can no longer take it back."""
    payload = handover.payload
    changed = meter_commands.mark_sent(session.connection(), str(payload.get("command_id")), now)
    if changed is None:
        return {}
    return {"command": {"command_id": payload["command_id"], "old": changed[0], "new": changed[1]}}


def command_refused(session: Session, payload: dict[str, Any], answer: str, now: datetime) -> None:
    """Outbox refusal: the head-end refused the command for good (a 4xx). Its status becomes
    ``failed``, freeing the meter, with the head-end's answer in the history; the instance gets an
    incident, so a person reads the answer before the flow goes on."""
    conn = session.connection()
    command_id = str(payload.get("command_id"))
    command = meter_commands.by_id(conn, command_id)
    if command is None or command.status not in IN_FLIGHT:
        return
    meter_commands.set_status(conn, command_id, "failed")
    history.append(session, STREAM, [NewEvent("command.refused", None, {
        "command_id": command_id, "old": command.status, "new": "failed", "answer": answer[:MAX_ERROR_TEXT]})],
        actor="system:outbox", at=now)


def cancel_unsent_trips(session: Session, meter_address: str) -> list[str]:
    """Cancel the meter's trips still in the outbox (not handed to the head-end yet: a customer who
    paid meanwhile); a sent one runs its course. Returns the ids cancelled."""
    conn = session.connection()
    return [command_id for command_id in meter_commands.queued_trips(conn, meter_address)
            if _taken_back(session, command_id)]


def release_commands(session: Session, instance_id: int, reason: str, actor: str, now: datetime) -> None:
    """An instance was terminated: a command still waiting here is taken back from the outbox
    (``cancelled``); one that has left, or is leaving, is ``abandoned`` — its result will be kept
    but not applied. Either way the meter is free for the customer's next command at once."""
    conn = session.connection()
    released = []
    for command in meter_commands.in_flight_of_instance(conn, instance_id):
        new = "cancelled" if command.status == "queued" and _taken_back(session, command.command_id) else "abandoned"
        if new == "abandoned":
            meter_commands.set_status(conn, command.command_id, new)
        released.append(NewEvent(f"command.{new}", None, {
            "command_id": command.command_id, "customer": command.number, "instance_id": instance_id,
            "old": command.status, "new": new, "reason": reason}))
    if released:
        history.append(session, STREAM, released, actor=actor, at=now)


def _taken_back(session: Session, command_id: str) -> bool:
    """Take a command's send back from the outbox if it was never attempted; it is then ``cancelled``."""
    conn = session.connection()
    if not meter_commands.take_back_unsent(conn, command_id):
        return False
    meter_commands.set_status(conn, command_id, "cancelled")
    return True

