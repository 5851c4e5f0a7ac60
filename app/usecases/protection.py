"""Protected customers (issue 16 item 4): a sysadmin or an approver (the supervisors) marks a
customer protected in a class of ``protection_classes`` (life support, important user, ...), or
clears it, always with a reason; who and when are kept on the customer and the change is in the
``archive`` history. A protected customer is never cut: an application refuses them, the child
flow checks again before its trip, and marking them cancels at once every trip of theirs still
waiting in the outbox (the flow hears ``cancelled``); a trip whose send was already attempted is
cancelled by the outbox's own check before it leaves again (``trip_checks.command_still_due``).

Optionally the meter itself is put in power-protect (DL/T 645 control ``3A``; ``3B`` takes it off
when the mark is cleared): a meter command through the same outbox as every other, that no flow
waits for. A meter with a command in flight cannot take it now: the mark is set all the same and
the outcome (and the history) says so; ticking it again later sends it.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from app.archive.lookups import find_customer
from app.archive.maintenance import STREAM, require_role
from app.clock import Clock
from app.runtime.actors import Actor
from app.runtime.events import history
from app.runtime.events.history import NewEvent
from app.runtime.forms import FormInvalid
from app.translations import N_, Text
from app.usecases.trip_checks import cancel_queued_trips
from handlers.headend import PROTECT_ACTIONS
from storage import meter_commands, outbox_rows, protection_classes
from storage.domain_models import Customer
from storage.statuses import CommandStatus, OutboxStatus

PROTECT_ON, PROTECT_OFF = PROTECT_ACTIONS  # DL/T 645 1CH N1 3A / 3B
PROTECT_ROLES = ("sysadmin", "approver")  # the supervisors: the people who may decide nobody cuts this customer
# How long the meter may still take a power-protect command (its validity, as a trip's comes from
# the diagram beside its wait: here no diagram waits for it).
PROTECT_VALIDITY = timedelta(minutes=30)
MAX_REASON = 2000


def set_protection(session: Session, clock: Clock, actor: Actor, customer_number: str, kind: str | None,
                   reason: str, *, meter_protect: bool = False) -> dict[str, Any]:
    """Mark ``customer_number`` protected in class ``kind`` (None clears the mark) for ``reason``
    (required, both ways). Returns ``{customer, old, new, changed, cancelled_commands,
    meter_command, meter_busy_with}``; the caller delivers the cancellations after commit."""
    require_role(actor, PROTECT_ROLES, N_("changing a customer's protection"), "issue 16 item 4")
    reason = reason.strip()
    classes = protection_classes.labels(session)
    errors: dict[str, str] = {}
    if not reason:
        errors["reason"] = Text(N_("a reason is required to change a customer's protection"))
    elif len(reason) > MAX_REASON:
        errors["reason"] = Text(N_("the reason is longer than {n} characters"), n=MAX_REASON)
    if kind is not None and kind not in classes:
        errors["kind"] = Text(N_("unknown protection class {kind}; classes are {kinds}"), kind=repr(kind),
                              kinds=", ".join(classes))
    if errors:
        raise FormInvalid(errors)
    customer = find_customer(session, customer_number, lock=True)
    now, old = clock.now(), customer.protected_kind
    changed = old != kind or (kind is not None and customer.protected_reason != reason)
    if changed:
        customer.protected_kind, customer.protected_reason = kind, reason if kind is not None else None
        customer.protected_by, customer.protected_at = actor.name, now
    cancelled = _cancel_trips(session, customer, actor, now) if kind is not None else []
    meter = _meter_command(session, customer, kind is not None, now) if meter_protect else {}
    if changed or cancelled or meter:
        history.append(session, STREAM, [NewEvent("customer.protection_changed", None, {
            "customer": customer.number, "old": old, "new": kind, "reason": reason, "cancelled_commands": cancelled,
            **({"meter": meter} if meter else {})})], actor=actor.name, at=now)
    outcome = {"customer": customer.number, "old": old, "new": kind, "changed": changed,
               "cancelled_commands": cancelled, "meter_command": meter.get("command_id"),
               "meter_busy_with": meter.get("busy_with")}
    return outcome


def _cancel_trips(session: Session, customer: Customer, actor: Actor, now: datetime) -> list[str]:
    reason = (f"customer is protected ({customer.protected_kind}) by {actor.name}: the trip was cancelled before "
              "it was sent")
    return cancel_queued_trips(session, customer.meter_address, reason, actor.name, now)


def _meter_command(session: Session, customer: Customer, on: bool, now: datetime) -> dict[str, Any]:
    """Queue the meter's power-protect on (or off) with its outbox row, unless the meter is busy."""
    action = PROTECT_ON if on else PROTECT_OFF
    digest = hashlib.sha256(f"{customer.id}:{action}:{now.isoformat()}".encode()).hexdigest()[:12]
    command_id, deadline = f"HES-protect-{customer.id}-{digest}", now + PROTECT_VALIDITY
    conn = session.connection()
    meter_commands.expire_overdue(conn, customer.meter_address, now)
    if not meter_commands.insert_unless_in_flight(conn, {
        "command_id": command_id, "customer_id": customer.id, "meter_address": customer.meter_address,
        "action": action, "status": CommandStatus.QUEUED.value, "instance_id": None, "created_at": now,
        "deadline": deadline,
    }):
        return {"action": action, "busy_with": meter_commands.in_flight(conn, customer.meter_address)}
    outbox_rows.queue(conn, [{
        "instance_id": None, "adapter": "headend", "idempotency_key": f"{command_id}:command",
        "payload": {"command_id": command_id, "meter_address": customer.meter_address, "action": action,
                    "deadline": deadline.astimezone(UTC).isoformat()},
        "status": OutboxStatus.PENDING.value, "attempts": 0, "next_attempt_at": now, "created_at": now}])
    return {"action": action, "command_id": command_id}
