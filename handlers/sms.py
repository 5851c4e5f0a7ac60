"""Service SMS (M2, M4.3.1, M5.3): the notice templates, the operators BPMN service tasks call,
and an outbox adapter that only logs.

The operators never send anything themselves: they compose the message and queue it with
``ctx.send("sms", ...)``; the outbox dispatcher hands it to the adapter named ``sms`` after commit.
"""

from __future__ import annotations

import json
import logging
import os
import threading
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from app.clock import Clock, SystemClock
from app.rules.beijing import BEIJING
from app.rules.sms import normalize_mainland_mobile, render, segments
from app.rules.sms_delivery import REFUSED, SUBMITTED
from app.runtime.contract import Handover, ServiceContext
from app.translations import N_
from storage import customers, sms_parts
from storage.domain_models import Customer, Segment, SmsSubscription
from storage.sms_parts import SmsPart

sms_log = logging.getLogger("relayflow.sms.log_only")
DEFAULT_SIGNATURE = "国网供电"

TEMPLATES: dict[str, str] = {
    "disconnection_notice": (
        "【{signature}】尊敬的{name}（户号{number}），您已欠电费{amount}元，将于{date}停电，请尽快缴费。"
    ),
    "disconnection_renotice": (
        "【{signature}】尊敬的{name}（户号{number}），您已欠电费{amount}元，将于今日{time}停电，请立即缴费。"
    ),
    "reconnected": "【{signature}】尊敬的{name}（户号{number}），您已于{time}恢复供电，感谢您及时缴费。",
    "reconnect_failed_reader": (
        "【{signature}】客户{name}（户号{number}，{address}）远程复电{sends}次均失败，"
        "工单号{order_no}，请尽快到现场复电。"
    ),
    "arrears_reminder": "【{signature}】尊敬的{name}（户号{number}），您已欠电费{amount}元，请及时缴纳，以免停电。",
}

# The subscription (M2.1) a customer notice needs; notices to staff need none.
CUSTOMER_NOTICES: dict[str, str] = {
    "disconnection_notice": "disconnection",
    "disconnection_renotice": "disconnection",
    "reconnected": "reconnection",
    "arrears_reminder": "arrears",
}


@dataclass(frozen=True)
class SmsMessage:
    to: str
    text: str
    notice: str
    segments: int


def compose(notice: str, to: str, values: Mapping[str, object], signature: str) -> SmsMessage:
    """The message for ``notice`` to mobile ``to``; raises ValueError for an unknown notice or a
    bad number and ``MissingPlaceholderError`` for a value the template needs but was not given."""
    template = TEMPLATES.get(notice)
    if template is None:
        raise ValueError(f"unknown SMS notice {notice!r}; known: {', '.join(TEMPLATES)}")
    number = normalize_mainland_mobile(to)
    text = render(template, {**{k: _display(v) for k, v in values.items()}, "signature": signature})
    return SmsMessage(number, text, notice, segments(text))


def notify_customer(ctx: ServiceContext, customer_number: str, notice: str,
                    values: dict[str, Any] | None = None) -> dict[str, Any]:
    """Queue ``notice`` to the customer if they subscribed to its kind (M2.1, M4.3.1, M5.3).

    Not subscribed or no usable mobile is an answer (``sent: False`` with a reason), not an
    error; an unknown customer or notice raises (an incident).
    """
    notice_type = CUSTOMER_NOTICES.get(notice)
    if notice_type is None:
        raise ValueError(f"{notice!r} is not a customer notice; known: {', '.join(CUSTOMER_NOTICES)}")
    customer = _customer(ctx, customer_number)
    if ctx.session.get(SmsSubscription, (customer.id, notice_type)) is None:
        return {"sent": False, "reason": "not subscribed"}
    return _queue(ctx, notice, customer, customer.mobile, values, "no valid mobile")


def notify_reader(ctx: ServiceContext, customer_number: str, notice: str,
                  values: dict[str, Any] | None = None) -> dict[str, Any]:
    """Queue ``notice`` about a customer to their segment's meter reader (M3.1, M5.3).

    A service instruction to staff: no subscription applies. A segment without a usable
    reader mobile is an answer (``sent: False``), not an error.
    """
    if notice not in TEMPLATES or notice in CUSTOMER_NOTICES:
        staff = [name for name in TEMPLATES if name not in CUSTOMER_NOTICES]
        raise ValueError(f"{notice!r} is not a notice to staff; known: {', '.join(staff)}")
    customer = _customer(ctx, customer_number)
    segment = ctx.session.get(Segment, customer.segment_code)
    mobile = segment.reader_mobile if segment is not None else None
    return _queue(ctx, notice, customer, mobile, values, "segment has no reader mobile")


def _customer(ctx: ServiceContext, customer_number: str) -> Customer:
    customer = customers.by_number(ctx.session, customer_number)
    if customer is None:
        raise LookupError(f"no customer numbered {customer_number!r}")
    return customer


def _queue(ctx: ServiceContext, notice: str, customer: Customer, mobile: str | None,
           values: Mapping[str, Any] | None, no_mobile_reason: str) -> dict[str, Any]:
    try:
        to = normalize_mainland_mobile(mobile or "")
    except ValueError:
        return {"sent": False, "reason": no_mobile_reason}
    given = dict(values or {})
    signature = str(given.pop("signature", DEFAULT_SIGNATURE))
    filled = {"name": customer.name, "number": customer.number, "address": customer.address,
              "amount": Decimal(customer.owed_cents).scaleb(-2), **given}
    message = compose(notice, to, filled, signature)
    ctx.send("sms", asdict(message), key=f"sms:{notice}:{customer.number}")  # one task may notify many
    return {"sent": True, "to": message.to, "segments": message.segments}


def message_submitted(session: Session, handover: Handover, now: datetime) -> dict[str, Any]:
    """Outbox receipt of the ``sms`` adapter: each part the SMSC answered is recorded — its message id,
    to which the delivery receipt will be matched, or, for a refused part, the reason (a refusal is an
    outcome, not a loss). A receipt that came back before this transaction (the SMSC may answer at
    once) is found here and completes its part. An adapter that reports no parts (log-only) records
    nothing."""
    answers = handover.response.get("parts")
    if not isinstance(answers, list):
        return {}
    return {"sms": {"parts": [_record_part(session, handover.outbox_id, answer, now) for answer in answers]}}


def _record_part(session: Session, outbox_id: int, answer: Mapping[str, Any], now: datetime) -> dict[str, Any]:
    numbering = {"part": int(answer["part"]), "parts": int(answer["parts"])}
    message_id = answer.get("message_id")
    if not message_id:
        sms_parts.add_refused(session, SmsPart(outbox_id=outbox_id, **numbering, status=REFUSED, submitted_at=now,
                                               command_status=answer.get("command_status"),
                                               error=answer.get("error")))
        return {**numbering, "status": REFUSED, "error": answer.get("error")}
    part = sms_parts.claim(session, str(message_id), SUBMITTED)
    if part.outbox_id not in (None, outbox_id):  # the SMSC reused an id: the old receipt is not this part's
        sms_log.warning("SMSC message id %s reused (outbox rows %s and %s)", message_id, part.outbox_id, outbox_id)
        part.status, part.receipt_stat, part.receipt_err, part.receipt_text, part.receipt_at = (
            SUBMITTED, None, None, None, None)
    receipt_first = part.receipt_at is not None
    part.outbox_id, part.part, part.parts = outbox_id, numbering["part"], numbering["parts"]
    part.command_status, part.submitted_at = answer.get("command_status", 0), now
    return {**numbering, "message_id": message_id, "status": part.status, "receipt_first": receipt_first}


def _display(value: object) -> object:
    """Times as a customer reads them: Beijing local time, to the minute."""
    if isinstance(value, str) and "T" in value:  # ISO-8601 text, as process data carries times
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            return value
    if isinstance(value, datetime) and value.tzinfo is not None:
        return value.astimezone(BEIJING).strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    return value


class LogOnlySmsAdapter:
    """An ``sms`` outbox adapter that sends nothing: it only appends each message to a JSON-lines file.

    For trials and development before an SMS gateway is connected. Idempotent on the key, also
    across restarts (the keys already in the file are read at construction). Thread-safe within
    one process; two processes must not share one file.
    """

    simulated = N_("log-only SMS")  # the web app names it in its banner: nobody gets these texts

    def __init__(self, path: str | os.PathLike[str], clock: Clock | None = None) -> None:
        self.path = Path(path)
        self._clock = clock or SystemClock()
        self._lock = threading.Lock()
        self._keys = self._load_keys()

    def check(self) -> str:
        """The log can be written; nobody gets these texts."""
        with self.path.open("a", encoding="utf-8"):
            pass
        return f"LOG ONLY: messages are written to {self.path}, none is sent"

    def send(self, payload: dict[str, Any], idempotency_key: str) -> dict[str, Any]:
        """Log the message once per key; returns ``{"logged": True, "segments": n}``."""
        text = str(payload["text"])
        count = segments(text)
        with self._lock:
            if idempotency_key not in self._keys:
                line = json.dumps({
                    "key": idempotency_key, "time": self._clock.now().isoformat(), "to": payload["to"],
                    "notice": payload.get("notice"), "text": text, "segments": count,
                    "sent": False, "adapter": "log-only: nothing is sent",
                }, ensure_ascii=False)
                with self.path.open("a", encoding="utf-8") as log:
                    log.write(line + "\n")
                    log.flush()
                    os.fsync(log.fileno())
                self._keys.add(idempotency_key)
        sms_log.info("SMS (log only, NOT sent) to %s: %s", payload.get("to"), payload.get("text"))
        return {"logged": True, "segments": count}

    def _load_keys(self) -> set[str]:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        if not self.path.exists():
            return set()
        keys: set[str] = set()
        raw = self.path.read_text(encoding="utf-8")
        for line in raw.splitlines():
            try:
                keys.add(json.loads(line)["key"])
            except (ValueError, KeyError, TypeError):
                continue  # a line cut short by a crash: its message is logged again on retry
        if raw and not raw.endswith("\n"):
            with self.path.open("a", encoding="utf-8") as log:
                log.write("\n")  # so the next line does not run on from the cut one
        return keys
