"""Head-end results coming back (the callback API): two stages, ``accepted`` (the meter took the
command) and then ``executed`` (the relay moved) or ``failed``. Each is recorded on its command;
the final ones are delivered to the waiting instance, as the message ``headend_result``
correlated by command id, in the same transaction."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from functools import partial
from typing import Any

from sqlalchemy.orm import Session

from app.clock import Clock
from app.runtime.actors import Actor
from app.runtime.api import Runtime
from app.runtime.errors import NotFound, RuntimeActionError
from app.runtime.steps.unit import Unit
from app.usecases.batches import Taken, take_batch, take_one
from app.usecases.inbound_history import as_sent, record
from app.usecases.inbound_models import HeadendResultIn, InboundInvalid
from app.usecases.reconnections import reconnect_after_result
from handlers.headend import FINAL_STAGES, MOVED_ON, PROTECT_ACTIONS, RESULT_MESSAGE, STREAM
from storage import meter_commands
from storage.domain_models import DISCONNECTED, Customer, MeterCommand

ACTOR = "system:headend"


class InvalidResult(InboundInvalid):
    """A head-end result that cannot be understood; nothing was recorded."""


def take_headend_result(runtime: Runtime, payload: Mapping[str, Any]) -> dict[str, Any]:
    """The use case behind ``POST /api/headend/results`` for one result (``result_within`` in a
    transaction of its own)."""
    return take_one(runtime, result_within, payload)


def take_headend_results(runtime: Runtime, results: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """A batch of results as the batched callback takes them (many per transaction); returns the
    results that failed for a reason of ours, not theirs (a refusal is final), to be sent again."""
    outcomes = take_batch(runtime, result_within, results)
    return [result for result, outcome in zip(results, outcomes, strict=True)
            if isinstance(outcome, Exception) and not isinstance(outcome, RuntimeActionError)]


def result_within(runtime: Runtime, unit: Unit, item: Any) -> Taken:
    """Record one head-end result in the caller's transaction; a final stage is delivered to the
    waiting instance in the same transaction (or stored for it, if it cannot take it now), so a
    crash keeps both or neither. Once committed, a final result that frees a meter whose customer
    paid while the trip was in flight starts their reconnection at once (in a transaction of its
    own: it locks the customer, which a payment locks before its commands).

    Idempotent on ``result_id``: the same result received again changes nothing. Every result
    (applied, repeated, late, contradicting, refused) is in the ``headend`` history with the
    command's status old → new (issue 5).
    """
    try:
        result = _validated(item, runtime.clock.now())
    except InvalidResult as exc:
        record(unit.session, runtime, STREAM, "headend.result_rejected",
               {"payload": as_sent(item), "error": str(exc)}, ACTOR)
        return Taken(exc)
    final = result["stage"] in FINAL_STAGES
    outcome = {"result_id": result["result_id"], "command_id": result["command_id"], "stage": result["stage"],
               "delivery": "recorded"}
    command = _locked_command(runtime, unit.session, result["command_id"], final)
    if command is None:
        refusal = NotFound(f"command_id: no meter command {result['command_id']!r}")
        record(unit.session, runtime, STREAM, "headend.result_rejected",
               {"payload": dict(item), "error": str(refusal)}, ACTOR)
        return Taken(refusal)
    _record_result(unit.session, runtime, command, result)
    if not final:
        return Taken(outcome)
    if command.action not in PROTECT_ACTIONS:  # a power-protect command (issue 16 item 4): no flow waits for it
        message = {name: result[name] for name in ("command_id", "stage", "relay", "at", "error")}
        outcome["delivery"] = runtime.deliver_within(
            unit, RESULT_MESSAGE, result["command_id"], message, Actor.system("headend"),
            message_key=f"headend:{result['result_id']}").outcome
    return Taken(outcome, partial(_reconnect_if_freed, runtime))


def _reconnect_if_freed(runtime: Runtime, outcome: dict[str, Any]) -> None:
    outcome["reconnection_instance"] = reconnect_after_result(runtime, outcome["command_id"])


def _locked_command(runtime: Runtime, session: Session, command_id: str, final: bool) -> MeterCommand | None:
    """The command, locked. A final result will step the command's instance, whose own steps lock
    the instance before the command (``expire_command``): take the locks in that order, or two
    transactions could each hold the lock the other waits for."""
    if final:
        instance_id = meter_commands.instance_of(session.connection(), command_id)
        if instance_id is not None:
            runtime.lock(session, instance_id)
    return meter_commands.find(session, command_id, lock=True)


def _validated(payload: Mapping[str, Any], now: datetime) -> dict[str, Any]:
    """The result's fields, each checked strictly (``HeadendResultIn``); ``at`` as UTC text."""
    try:
        return HeadendResultIn.read(payload, now).as_recorded()
    except InboundInvalid as exc:
        raise InvalidResult(str(exc), exc.errors) from None


def _record_result(session: Session, runtime: Runtime, command: MeterCommand,
                   result: dict[str, Any]) -> None:
    """Apply a result to its command and record it, with what it changed, in the history."""
    old_status = command.status
    customer = session.get(Customer, command.customer_id)
    old_power = customer.power_status if customer is not None else None
    how = _apply(session, command, result, runtime.clock)
    data: dict[str, Any] = {
        "command_id": command.command_id, "result_id": result["result_id"], "stage": result["stage"],
        "relay": result["relay"], "at": result["at"], "error": result["error"], "instance_id": command.instance_id,
        "customer": customer.number if customer is not None else None, "applied": how,
        "old": old_status, "new": command.status, **({"note": result["note"]} if "note" in result else {}),
    }
    if customer is not None and customer.power_status != old_power:
        data["power_status"] = [old_power, customer.power_status]
    record(session, runtime, STREAM, "headend.result_received", data, ACTOR)


def _apply(session: Session, command: MeterCommand, result: dict[str, Any], clock: Clock) -> str:
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
    entry = {**result, "received_at": clock.now().isoformat()}
    if recorded:  # a second final result (late or contradictory): kept for the audit, not applied
        command.result = {**recorded, "later": [*recorded.get("later", []), entry]}
        return "later"
    command.result = entry
    if command.status in MOVED_ON:  # the flow has moved on (timed out, terminated); the truth is still kept
        _late_trip(session, command, result, at)
        return "late"
    if result["stage"] == "executed":
        command.status, command.relay, command.executed_at = "executed", result["relay"], at
    else:
        command.status, command.error = "failed", result["error"] or "failed (no reason given)"
        command.relay = result["relay"] or command.relay
    return "applied"


def _late_trip(session: Session, command: MeterCommand, result: dict[str, Any], at: datetime) -> None:
    """A trip reported executed after its wait expired: the meter is open, whatever the flow assumed."""
    if command.action == "trip" and result["stage"] == "executed" and result["relay"] == "open":
        customer = session.get(Customer, command.customer_id)
        if customer is not None:
            customer.power_status, customer.power_status_since = DISCONNECTED, at


def _recorded_ids(recorded: Mapping[str, Any]) -> set[str]:
    return {entry.get("result_id") for entry in [recorded, *recorded.get("later", [])] if entry.get("result_id")}
