"""A customer's service SMS as their page's timeline tells them (issue 15 item 3): each SMS queued →
submitted to the SMSC (with its message ids) → delivered, failed (by receipt) or refused (by the
SMSC at once), each step at its own time; the queued entry carries the state the SMS is in now."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from app.rules.sms_delivery import FAILED, REFUSED, SUBMITTED, PartFact, SmsState, sms_state
from storage import sms_parts
from storage.models import OutboxMessage
from storage.sms_parts import SmsPart

# (at, kind, data, instance id): what ``customer_overview`` makes a timeline entry of
SmsEntry = tuple[datetime | None, str, dict[str, Any], int | None]


def sms_entries(session: Session, rows: Sequence[OutboxMessage]) -> list[SmsEntry]:
    """The timeline entries of these outbox rows of the ``sms`` adapter."""
    parts = sms_parts.of_outbox_rows(session, [row.id for row in rows])
    entries: list[SmsEntry] = []
    for row in rows:
        state = sms_state(row.status, [_fact(part) for part in parts[row.id]])
        message_ids = [part.message_id for part in parts[row.id] if part.message_id]
        entries.append((row.created_at, "sms.queued", {
            "notice": row.payload.get("notice"), "to": row.payload.get("to"), "text": row.payload.get("text"),
            "status": row.status, "state": state.state, "reason": state.reason, "message_ids": message_ids},
            row.instance_id))
        entries += _progress(row, state, message_ids, len(parts[row.id]))
    return entries


def _progress(row: OutboxMessage, state: SmsState, message_ids: list[str], parts: int) -> list[SmsEntry]:
    said = {"notice": row.payload.get("notice"), "to": row.payload.get("to")}
    entries: list[SmsEntry] = []
    if state.submitted_at is not None:
        entries.append((state.submitted_at, "sms.submitted", {**said, "parts": parts, "message_ids": message_ids},
                        row.instance_id))
    if state.done_at is not None and state.state != SUBMITTED:
        entries.append((state.done_at, f"sms.{state.state}", {**said, "reason": state.reason}, row.instance_id))
    return entries


def _fact(part: SmsPart) -> PartFact:
    """A part as the page tells it: its error as the SMSC's code (``0x0000000B``, ``UNDELIV err:001``),
    which reads the same in every language; the description stays on the row and in the history."""
    return PartFact(part.status, part.submitted_at, part.receipt_at, _code(part))


def _code(part: SmsPart) -> str | None:
    if part.status == REFUSED:
        return f"0x{part.command_status or 0:08X}"
    if part.status == FAILED:
        return f"{part.receipt_stat} err:{part.receipt_err}" if part.receipt_err else part.receipt_stat
    return None
