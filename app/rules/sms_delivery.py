"""What happened to a service SMS after it left: SMPP 3.4 delivery receipts and the state of a message.

Pure functions on the standard library only. An SMSC reports the fate of each submitted part in a
``deliver_sm`` whose text follows SMPP 3.4 appendix B::

    id:IIIIIIIIII sub:SSS dlvrd:DDD submit date:YYMMDDhhmm done date:YYMMDDhhmm stat:DDDDDDD err:E text:...

and often repeats the id and the state in the ``receipted_message_id`` and ``message_state`` TLVs,
which win when present. A message of several parts (a long Chinese text) is delivered once every
part is; one refused or failed part fails it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

# The final states of a receipt (``stat:``) and what they mean for the part; ENROUTE and ACCEPTD
# are not final (an intermediate notification), so they change nothing.
FINAL_STATS: dict[str, str] = {"DELIVRD": "delivered", "EXPIRED": "failed", "DELETED": "failed",
                               "UNDELIV": "failed", "REJECTD": "failed", "UNKNOWN": "failed"}
# The ``message_state`` TLV's values (SMPP 3.4 §5.2.28) as the text's ``stat:`` names them.
MESSAGE_STATES: dict[int, str] = {1: "ENROUTE", 2: "DELIVRD", 3: "EXPIRED", 4: "DELETED", 5: "UNDELIV",
                                  6: "ACCEPTD", 7: "UNKNOWN", 8: "REJECTD"}
_FIELD = re.compile(r"(?i)\b(id|sub|dlvrd|submit date|done date|stat|err|text):")

# The states of one SMS as the customer page shows them, queued → submitted → delivered / failed.
QUEUED, HANDED_OVER, SUBMITTED, DELIVERED, FAILED, REFUSED = (
    "queued", "handed_over", "submitted", "delivered", "failed", "refused")
# Parts: ``submitted`` (the SMSC gave it a message id), then ``delivered`` / ``failed`` by receipt, or
# ``refused`` (the submit_sm_resp had a non-zero command_status).
PART_FINAL = (DELIVERED, FAILED, REFUSED)


class NotAReceipt(ValueError):
    """A deliver_sm that names no message id: nothing can be matched to it."""


@dataclass(frozen=True)
class DeliveryReceipt:
    message_id: str
    stat: str  # DELIVRD, UNDELIV, ... (upper case)
    err: str | None
    text: str  # as received, for the history

    @property
    def outcome(self) -> str | None:
        """``delivered`` / ``failed``, or None for a state that is not final."""
        return FINAL_STATS.get(self.stat)


def parse_receipt(text: str, tlv_message_id: str | None = None, tlv_state: int | None = None) -> DeliveryReceipt:
    """The receipt a deliver_sm carries; the TLVs, when present, win over the text. Raises
    ``NotAReceipt`` when no message id can be found."""
    fields = _fields(text)
    message_id = (tlv_message_id or fields.get("id") or "").strip()
    if not message_id:
        raise NotAReceipt(f"no message id in the receipt {text[:120]!r}")
    stat = MESSAGE_STATES.get(tlv_state or 0) or fields.get("stat", "UNKNOWN")
    return DeliveryReceipt(message_id, stat.strip().upper()[:16], fields.get("err") or None, text)


def _fields(text: str) -> dict[str, str]:
    found = list(_FIELD.finditer(text))
    values: dict[str, str] = {}
    for index, match in enumerate(found):
        end = found[index + 1].start() if index + 1 < len(found) else len(text)
        values.setdefault(match.group(1).lower(), text[match.end():end].strip())
    return values


@dataclass(frozen=True)
class PartFact:
    """One submitted part as recorded: its status, when it was submitted, when its receipt came."""

    status: str
    submitted_at: datetime | None
    receipt_at: datetime | None
    error: str | None


@dataclass(frozen=True)
class SmsState:
    state: str
    submitted_at: datetime | None
    done_at: datetime | None  # when it was delivered, failed or refused
    reason: str | None


def sms_state(outbox_status: str, parts: Sequence[PartFact]) -> SmsState:
    """The state of one SMS from its outbox row's status and its parts: ``queued`` while the outbox
    holds it; ``handed_over`` when an adapter took it that reports no parts (the log-only one);
    then ``submitted``, ``delivered``, ``failed`` or ``refused``. A dead or cancelled outbox row
    keeps its own status."""
    if not parts:
        return SmsState(QUEUED if outbox_status == "pending" else
                        HANDED_OVER if outbox_status == "sent" else outbox_status, None, None, None)
    submitted = min((p.submitted_at for p in parts if p.submitted_at is not None), default=None)
    for bad in (REFUSED, FAILED):
        failing = [p for p in parts if p.status == bad]
        if failing:
            first = failing[0]
            return SmsState(bad, submitted, first.receipt_at or first.submitted_at, first.error)
    if all(p.status == DELIVERED for p in parts):
        return SmsState(DELIVERED, submitted, max((p.receipt_at for p in parts if p.receipt_at), default=None),
                        None)
    return SmsState(SUBMITTED, submitted, None, None)
