"""The AMI head-end (collection system): meter remote-control commands and their results.

Commands go out through the outbox (adapter ``headend``); results come back asynchronously
as callbacks, in two stages (domain notes: "accepted is not done"): ``accepted`` (the meter
took the command) and then ``executed`` (the relay moved) or ``failed``. Only the final
stages wake the waiting instance, as the message ``headend_result`` correlated by command id.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from contextlib import AbstractContextManager
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session, object_session

from app.clock import Clock
from app.runtime import history
from app.runtime.actors import Actor
from app.runtime.core import Unit
from app.runtime.errors import NotFound, RuntimeActionError
from app.runtime.history import NewEvent
from app.runtime.services import ServiceContext
from handlers import inbound_fields as fields
from handlers.callback_history import record, record_refusal
from storage import meter_commands
from storage.db import Database
from storage.domain_models import DISCONNECTED, Customer, MeterCommand

ACTIONS = ("trip", "direct_close", "close_allowed")
IN_FLIGHT = ("queued", "sent", "accepted")
MOVED_ON = ("expired", "abandoned", "cancelled")  # no flow waits for their result any more
STAGES = ("accepted", "executed", "failed")
RELAY_STATES = ("open", "closed")
RESULT_MESSAGE = "headend_result"
RESULT_FIELDS = {"result_id", "command_id", "stage", "relay", "at", "error"}
STREAM = "headend"
MAX_ERROR_TEXT = 2000  # characters of a failed result's reason
ACTOR = "system:headend"


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
    was in flight), they are treated as cut and reconnected at once: a direct close on a closed
    relay is harmless, a paid-up customer left in the dark is not.
    """
    command = _command(ctx.session, command_id)
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
            ctx.after_commit("reconnect_if_due", customer_number=customer.number, trigger="trip_expired")
    # the answer is recorded in the instance's history: what changed, old → new (issue 5)
    return {**answer, "status": command.status}


def command_sent(session: Session, payload: dict[str, Any], now: datetime) -> dict[str, Any]:
    """Outbox receipt: the head-end adapter took the command, so it is ``sent`` (queued → sent, with
    the time): the customer's and the instance's pages can tell a command waiting here from one out
    there, and a payment can no longer take it back."""
    changed = meter_commands.mark_sent(session.connection(), str(payload.get("command_id")), now)
    if changed is None:
        return {}
    return {"command": {"command_id": payload["command_id"], "old": changed[0], "new": changed[1]}}


def release_commands(session: Session, instance_id: int, reason: str, actor: str, now: datetime) -> None:
    """An instance was terminated: a command still waiting here is taken back from the outbox
    (``cancelled``); one that has left, or is leaving, is ``abandoned`` — its result will be kept
    but not applied. Either way the meter is free for the customer's next command at once."""
    conn = session.connection()
    released = []
    for command in meter_commands.in_flight_of_instance(conn, instance_id):
        new = "cancelled" if command.status == "queued" and meter_commands.take_back_unsent(conn, command.command_id) \
            else "abandoned"
        meter_commands.set_status(conn, command.command_id, new)
        released.append(NewEvent(f"command.{new}", None, {
            "command_id": command.command_id, "customer": command.number, "instance_id": instance_id,
            "old": command.status, "new": new, "reason": reason}))
    if released:
        history.append(session, STREAM, released, actor=actor, at=now)


def _command(session: Session, command_id: str) -> MeterCommand | None:
    return session.execute(
        select(MeterCommand).where(MeterCommand.command_id == command_id)
    ).scalar_one_or_none()


# --- results coming back (callback API) ----------------------------------------------------

class InvalidResult(RuntimeActionError):
    """A head-end result that cannot be understood; nothing was recorded."""


class _Delivered(Protocol):
    @property
    def outcome(self) -> str: ...


class _MessageRuntime(Protocol):
    def unit(self) -> AbstractContextManager[Unit]: ...
    def lock(self, session: Session, instance_id: int) -> object: ...
    def deliver_within(self, unit: Unit, name: str, correlation: str, payload: dict[str, Any], actor: Actor, *,
                       message_key: str | None = None) -> _Delivered: ...


class ResultServices(Protocol):
    """What receiving a result needs of the app's services: the database and the runtime."""

    @property
    def db(self) -> Database: ...
    @property
    def clock(self) -> Clock: ...
    @property
    def runtime(self) -> _MessageRuntime: ...


def receive_result(services: ResultServices, payload: Mapping[str, Any]) -> dict[str, Any]:
    """Record one head-end result; final stages are delivered to the waiting instance in the same
    transaction (or stored for it, if it cannot take them now), so a crash keeps both or neither.

    Idempotent on ``result_id``: the same result received again changes nothing. Every result
    (applied, repeated, late, contradicting, refused) is in the ``headend`` history with the
    command's status old → new (issue 5).
    """
    try:
        result = _validated(payload, services.clock.now())
    except InvalidResult as exc:
        record_refusal(services.db, services.clock, STREAM, "headend.result_rejected", payload, str(exc), ACTOR)
        raise
    final = result["stage"] != "accepted"
    outcome = {"result_id": result["result_id"], "command_id": result["command_id"], "stage": result["stage"],
               "delivery": "recorded"}
    with services.runtime.unit() as unit:
        command = _locked_command(services.runtime, unit.session, result["command_id"], final)
        if command is None:
            refusal = NotFound(f"no meter command {result['command_id']!r}")
            record(unit.session, services.clock, STREAM, "headend.result_rejected",
                   {"payload": dict(payload), "error": str(refusal)}, ACTOR)
        else:
            _record_result(unit.session, services, command, result)
            if final:
                message = {name: result[name] for name in ("command_id", "stage", "relay", "at", "error")}
                outcome["delivery"] = services.runtime.deliver_within(
                    unit, RESULT_MESSAGE, result["command_id"], message, Actor.system("headend"),
                    message_key=f"headend:{result['result_id']}").outcome
    if command is None:
        raise refusal  # its refusal is in the history: the transaction above committed it
    return outcome


def _locked_command(runtime: _MessageRuntime, session: Session, command_id: str, final: bool) -> MeterCommand | None:
    """The command, locked. A final result will step the command's instance, whose own steps lock
    the instance before the command (``expire_command``): take the locks in that order, or two
    transactions could each hold the lock the other waits for."""
    if final:
        instance_id = meter_commands.instance_of(session.connection(), command_id)
        if instance_id is not None:
            runtime.lock(session, instance_id)
    return session.execute(
        select(MeterCommand).where(MeterCommand.command_id == command_id).with_for_update()
    ).scalar_one_or_none()


def _validated(payload: Mapping[str, Any], now: datetime) -> dict[str, Any]:
    """The result's fields, each checked strictly (``inbound_fields``); ``at`` as UTC text."""
    if not isinstance(payload, Mapping):
        raise InvalidResult("a head-end result must be a JSON object")
    unknown = sorted(set(payload) - RESULT_FIELDS)
    if unknown:
        named = ", ".join(map(repr, unknown))
        raise InvalidResult(f"unknown field(s) in head-end result: {named[:200]}{'…' if len(named) > 200 else ''}")
    try:
        return _fields(payload, now)
    except fields.FieldError as exc:
        raise InvalidResult(str(exc)) from None


def _fields(payload: Mapping[str, Any], now: datetime) -> dict[str, Any]:
    result_id, command_id = fields.identifier(payload, "result_id", 200), fields.identifier(payload, "command_id", 64)
    stage = fields.identifier(payload, "stage", 16)
    if stage not in STAGES:
        raise InvalidResult(f"unknown stage {fields.shown(stage)}; expected one of {', '.join(STAGES)}")
    relay, error = payload.get("relay"), fields.text(payload, "error", MAX_ERROR_TEXT)
    if relay is not None and relay not in RELAY_STATES:
        raise fields.FieldError("relay", f"must be 'open' or 'closed', not {fields.shown(relay)}")
    if stage == "executed" and relay is None:
        raise InvalidResult("an executed result must say the relay state ('open' or 'closed')")
    at = fields.instant(payload, "at", now)
    return {"result_id": result_id, "command_id": command_id, "stage": stage,
            "relay": relay, "at": at.astimezone(UTC).isoformat(), "error": error}


def _record_result(session: Session, services: ResultServices, command: MeterCommand,
                   result: dict[str, Any]) -> None:
    """Apply a result to its command and record it, with what it changed, in the history."""
    old_status = command.status
    customer = session.get(Customer, command.customer_id)
    old_power = customer.power_status if customer is not None else None
    how = _apply(command, result, services)
    data: dict[str, Any] = {
        "command_id": command.command_id, "result_id": result["result_id"], "stage": result["stage"],
        "relay": result["relay"], "at": result["at"], "error": result["error"], "instance_id": command.instance_id,
        "customer": customer.number if customer is not None else None, "applied": how,
        "old": old_status, "new": command.status,
    }
    if customer is not None and customer.power_status != old_power:
        data["power_status"] = [old_power, customer.power_status]
    record(session, services.clock, STREAM, "headend.result_received", data, ACTOR)


def _apply(command: MeterCommand, result: dict[str, Any], services: ResultServices) -> str:
    """Update the command row; a result already recorded (by id) changes nothing. Returns how it
    was taken: ``applied``, ``duplicate``, ``later`` (a second final result, kept, not applied)
    or ``late`` (the command had expired, or was abandoned or cancelled)."""
    at = datetime.fromisoformat(result["at"])
    if result["stage"] == "accepted":
        if command.accepted_at is not None:
            return "duplicate"
        command.accepted_at = at
        if command.status in ("queued", "sent"):
            command.status = "accepted"
        return "applied"
    recorded = dict(command.result or {})
    if result["result_id"] in _recorded_ids(recorded):
        return "duplicate"
    entry = {**result, "received_at": services.clock.now().isoformat()}
    if recorded:  # a second final result (late or contradictory): kept for the audit, not applied
        command.result = {**recorded, "later": [*recorded.get("later", []), entry]}
        return "later"
    command.result = entry
    if command.status in MOVED_ON:  # the flow has moved on (timed out, terminated); the truth is still kept
        _late_trip(command, result, at)
        return "late"
    if result["stage"] == "executed":
        command.status, command.relay, command.executed_at = "executed", result["relay"], at
    else:
        command.status, command.error = "failed", result["error"] or "failed (no reason given)"
        command.relay = result["relay"] or command.relay
    return "applied"


def _late_trip(command: MeterCommand, result: dict[str, Any], at: datetime) -> None:
    """A trip reported executed after its wait expired: the meter is open, whatever the flow assumed."""
    if command.action == "trip" and result["stage"] == "executed" and result["relay"] == "open":
        customer = object_session(command).get(Customer, command.customer_id)  # type: ignore[union-attr]
        if customer is not None:
            customer.power_status, customer.power_status_since = DISCONNECTED, at


def _recorded_ids(recorded: Mapping[str, Any]) -> set[str]:
    return {entry.get("result_id") for entry in [recorded, *recorded.get("later", [])] if entry.get("result_id")}
