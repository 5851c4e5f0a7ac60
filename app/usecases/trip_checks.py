"""Is a meter command still right to send? Asked by the outbox just before it leaves, first time or
after an outage (issue 15): a command past its validity deadline expires unsent; a trip while the
global stop holds is held back (its flow goes back to the cut window, issue 16 item 5); a trip
whose customer paid after it was decided, or became protected, is cancelled unsent. The one danger the domain notes
name is a trip that lands after the customer paid; a head-end that was down for an hour must not
deliver one.

A cancelled trip's waiting flow hears why (``stage: cancelled``, as when a payment takes a trip
back): the message is stored in the same transaction, so a crash keeps both or neither. An expired
command tells no flow: its flow's own wait times out at the same deadline (``expire_command``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from app.runtime.events import history, messages
from app.runtime.events.history import NewEvent
from handlers.headend import RESULT_MESSAGE, STREAM
from storage import cut_holds, meter_commands, payments, reason_codes
from storage.domain_models import Customer, MeterCommand
from storage.statuses import CommandStatus

ACTOR = "system:outbox"
CANCELLED, HELD = "cancelled", "held"  # the stages a trip's flow hears when it was not sent
PAID, PROTECTED, STOPPED = "paid", "protected", "stop"  # why (the message's ``cause``)
# the not-cut cause (``storage.reason_codes``) of each: the event carries its cancelled-cut code (issue 16 item 7)
CUT_CAUSES = {PAID: "cancelled_paid", PROTECTED: "cancelled_protected", STOPPED: "global_stop"}


def command_still_due(session: Session, payload: dict[str, Any], now: datetime) -> str | None:
    """None when the command may leave; otherwise why not, with the command moved on and the
    reason in the ``headend`` history (the outbox's ``SendCheck`` for the head-end adapters)."""
    command = meter_commands.find(session, str(payload.get("command_id")), lock=True)
    if command is None:  # a row queued without a command record (a test's double): nothing of ours to re-check
        return None
    if command.status not in (CommandStatus.QUEUED, CommandStatus.SENT):  # sent: a resend after a lost answer
        return f"the command is {command.status} already"
    if command.deadline <= now:
        return _move_on(session, command, CommandStatus.EXPIRED, "its validity deadline passed before it was sent",
                        now, cut_cause="command_expired")
    if command.action != "trip":
        return None
    customer = session.get(Customer, command.customer_id)
    if customer is None:
        return f"no customer {command.customer_id} for the command"
    # who paid before the trip was decided was kept in the batch on purpose, with a reason (M4.3.3)
    if customer.owed_cents <= 0 and payments.received_after(session, customer.id, command.created_at):
        return cancel_trip(session, command, "customer paid: the trip was cancelled before it was sent",
                           ACTOR, now)
    if customer.protected_kind:
        return cancel_trip(session, command, f"customer is protected ({customer.protected_kind}): the trip was "
                                             "cancelled before it was sent", ACTOR, now, cause=PROTECTED)
    stop = cut_holds.active_stop(session)
    if stop is not None:  # the flow asks the cut window again once the stop is lifted (issue 16 item 5)
        return cancel_trip(session, command, f"global stop ({stop.reason}): the trip was held back before it was sent",
                           ACTOR, now, stage=HELD, cause=STOPPED)
    return None


def cancel_trip(session: Session, command: MeterCommand, reason: str, sender: str, now: datetime, *,
                stage: str = CANCELLED, cause: str = PAID) -> str:
    """Cancel an unsent trip and tell its waiting flow why: ``stage`` ``cancelled`` (it ends not
    cut) or ``held`` (it goes back to the cut window), and the ``cause`` (paid, protected, stop)."""
    _move_on(session, command, CommandStatus.CANCELLED, reason, now, cut_cause=CUT_CAUSES.get(cause))
    tell_cancelled(session, command.command_id, reason, sender, now, stage=stage, cause=cause)
    return reason


def cancel_queued_trips(session: Session, meter_address: str, reason: str, sender: str, now: datetime) -> list[str]:
    """Cancel at once the meter's trips whose send was never attempted (``cancel_trip`` each); a trip
    already attempted is left to ``command_still_due``, which asks again before it leaves."""
    cancelled = []
    for command_id in meter_commands.queued_trips(session.connection(), meter_address):
        command = meter_commands.find(session, command_id, lock=True)
        if command is not None and meter_commands.take_back_unsent(session.connection(), command_id):
            cancel_trip(session, command, reason, sender, now, cause=PROTECTED)
            cancelled.append(command_id)
    return cancelled


def tell_cancelled(session: Session, command_id: str, reason: str, sender: str, now: datetime, *,
                   stage: str = CANCELLED, cause: str = PAID) -> None:
    """Store the ``headend_result`` a cancelled trip's flow waits for (delivered by the worker's
    next tick, or at once to a flow that arrives later)."""
    messages.store(session, name=RESULT_MESSAGE, correlation=command_id, payload={
        "command_id": command_id, "stage": stage, "relay": None, "at": now.isoformat(), "error": reason,
        "cause": cause,
    }, sender=sender, message_key=f"{stage}:{command_id}", now=now)


def _move_on(session: Session, command: MeterCommand, status: CommandStatus, reason: str, now: datetime, *,
             cut_cause: str | None = None) -> str:
    old, command.status = command.status, status
    session.flush()
    history.append(session, STREAM, [NewEvent(f"command.{status}", None, {
        "command_id": command.command_id, "instance_id": command.instance_id, "action": command.action,
        "old": old, "new": status.value, "reason": reason,
        "code": reason_codes.cut_code(session, cut_cause) if cut_cause else None})], actor=ACTOR, at=now)
    return reason
