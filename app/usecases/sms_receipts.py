"""Delivery receipts coming back from the SMSC (issue 15 item 3): each is matched to the SMS part it
reports on by the message id the SMSC gave that part, and recorded on it — ``delivered`` or
``failed`` with the receipt's state and error — and in the ``sms`` history stream, in one
transaction.

The SMSC may answer before the outbox has committed the submit's outcome (the part's message id):
then the receipt is kept on a row of its own for that id, and the outbox's recording completes it
(``handlers.sms.message_submitted``); both sides claim the id first, so neither misses the other.
Every receipt is in the history — applied, repeated, early, or a later one contradicting a final
state (kept, not applied).
"""

from __future__ import annotations

from typing import Any

from app.rules.sms_delivery import PART_FINAL, SUBMITTED, DeliveryReceipt
from app.runtime.api import Runtime
from app.usecases.inbound_history import record
from storage import sms_parts
from storage.sms_parts import SmsPart

STREAM = "sms"
ACTOR = "system:smsc"


def take_delivery_receipt(runtime: Runtime, receipt: DeliveryReceipt) -> dict[str, Any]:
    """Record one receipt in a transaction of its own; returns what it did (``applied``, ``early``:
    before its submit was recorded, ``duplicate``, ``later``, or ``not_final``)."""
    with runtime.db.transaction() as session:
        part = sms_parts.claim(session, receipt.message_id, SUBMITTED)
        old = part.status
        taken = _apply(part, receipt, runtime)
        record(session, runtime, STREAM, "sms.receipt", {
            "message_id": receipt.message_id, "stat": receipt.stat, "err": receipt.err, "text": receipt.text,
            "outbox_id": part.outbox_id, "part": part.part, "parts": part.parts, "old": old, "new": part.status,
            "taken": taken}, ACTOR)
        return {"message_id": receipt.message_id, "status": part.status, "taken": taken}


def _apply(part: SmsPart, receipt: DeliveryReceipt, runtime: Runtime) -> str:
    outcome = receipt.outcome
    if outcome is None:  # ENROUTE, ACCEPTD: on its way, nothing final to record
        return "not_final"
    if part.status in PART_FINAL:
        return "duplicate" if part.receipt_stat == receipt.stat else "later"
    part.status, part.receipt_stat, part.receipt_err = outcome, receipt.stat, receipt.err
    part.receipt_text, part.receipt_at = receipt.text[:2000], runtime.clock.now()
    if outcome != "delivered":
        part.error = receipt.stat if receipt.err in (None, "000") else f"{receipt.stat} (err {receipt.err})"
    return "early" if part.outbox_id is None else "applied"
