"""The ``sms`` outbox adapter over SMPP 3.4 (issue 15 item 3): each message as UCS-2 (data_coding 8)
``submit_sm`` parts, a long text split with a UDH concatenation header (smpplib's ``make_parts``; the
【signature】 is part of the text, so it counts), a delivery receipt requested for each part.

``send`` answers with every part's message id, or with the reason the SMSC refused a part: a refusal
is an outcome (recorded on the message, ``handlers.sms.message_submitted``), not an error. An SMSC
that is busy (throttled, queue full, temporary error), a link that is down or an answer that does not
come raises instead, so the outbox sends the message again later with the same key.

The delivery receipts come back on the link, in the process that owns the adapter (the worker), and
go to ``on_receipt`` (the use case that records them); one that cannot be recorded is answered with a
temporary error, so the SMSC sends it again.
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from smpplib import consts
from smpplib.gsm import make_parts

from app.rules.sms_delivery import DeliveryReceipt, NotAReceipt, parse_receipt
from handlers.smpp.link import SmppLink, octet_text
from handlers.smpp.settings import SmppSettings

log = logging.getLogger("relayflow.sms.smpp")
ReceiptSink = Callable[[DeliveryReceipt], object]

UCS2 = consts.SMPP_ENCODING_ISO10646  # data_coding 8
RECEIPT_ON_FINAL = 0x01  # registered_delivery: a receipt on success and on failure
SMSC_RECEIPT = 0x04  # esm_class bits 2-5 of a deliver_sm that is an SMSC delivery receipt
MESSAGE_TYPE_BITS = 0x3C
# Refusals that mean "later", not "never": the message is sent again (the outbox's back-off).
TRY_AGAIN = frozenset({consts.SMPP_ESME_RSYSERR, consts.SMPP_ESME_RMSGQFUL, consts.SMPP_ESME_RTHROTTLED,
                       consts.SMPP_ESME_RX_T_APPN})
NATIONAL, ISDN = 0x00, 0x01  # TON unknown (a national 11-digit number), NPI E.164
REMEMBERED = 10_000  # answers kept by key, so a row sent again after a failed recording is not submitted twice


class SmscBusy(RuntimeError):
    """The SMSC asked us to send later (throttled, queue full, temporary error)."""


def describe(status: int) -> str:
    """A command_status as people read it: ``Invalid destination address (0x0000000B)``."""
    return f"{consts.DESCRIPTIONS.get(status, 'unknown error')} (0x{status:08X})"


class SmppSmsAdapter:
    """Sends service SMS to an SMSC over SMPP 3.4 and takes its delivery receipts."""

    def __init__(self, settings: SmppSettings, on_receipt: ReceiptSink) -> None:
        self.settings = settings
        self._on_receipt = on_receipt
        self.link = SmppLink(settings, self._deliver_sm)
        self._answers: OrderedDict[str, dict[str, Any]] = OrderedDict()
        self._lock = threading.Lock()

    def start(self) -> None:
        """Bind and listen (the worker does this as it starts, so receipts come in before any send)."""
        self.link.start()

    def check(self) -> str:
        """The SMSC takes a transceiver bind with these credentials (bound and unbound at once)."""
        self.link.try_bind()
        return (f"SMSC {self.settings.host}:{self.settings.port} took a transceiver bind as "
                f"{self.settings.system_id!r}; nothing was sent")

    def keep_alive(self) -> None:
        """Start the link again if its thread has died (it re-binds on its own after a drop)."""
        if not self.link.running:
            log.warning("SMPP link thread not running: starting it")
            self.link.start()

    def stop(self) -> None:
        self.link.stop()

    def send(self, payload: dict[str, Any], idempotency_key: str) -> dict[str, Any]:
        """Submit the message's parts; returns ``{"parts": [{part, parts, message_id | error,
        command_status}], "status": "submitted" | "refused"}``. Raises ``LinkDown`` or ``SmscBusy``
        when the message must be sent again later."""
        with self._lock:
            known = self._answers.get(idempotency_key)
        if known is not None:
            return known
        self.link.start()  # a process that sends also listens for the receipts
        parts, coding, esm_class = make_parts(str(payload["text"]), encoding=UCS2)
        answers = self.link.submit([self._submit_sm(str(payload["to"]), part, coding, esm_class) for part in parts])
        busy = [answer.command_status for answer in answers if answer.command_status in TRY_AGAIN]
        if busy:
            raise SmscBusy(f"the SMSC asks to send later: {describe(busy[0])}")
        recorded = [{"part": number, "parts": len(parts), "command_status": answer.command_status,
                     **({"message_id": answer.message_id} if answer.command_status == 0 and answer.message_id
                        else {"error": describe(answer.command_status)})}
                    for number, answer in enumerate(answers, start=1)]
        refused = [part for part in recorded if "error" in part]
        if refused:
            log.warning("SMSC refused SMS %s: %s", idempotency_key, refused[0]["error"])
        response = {"parts": recorded, "status": "refused" if refused else "submitted"}
        self._remember(idempotency_key, response)
        return response

    def _submit_sm(self, to: str, short_message: bytes, coding: int, esm_class: int) -> dict[str, Any]:
        return {"source_addr_ton": NATIONAL, "source_addr_npi": ISDN, "source_addr": self.settings.source_addr,
                "dest_addr_ton": NATIONAL, "dest_addr_npi": ISDN, "destination_addr": to,
                "short_message": short_message, "data_coding": coding, "esm_class": esm_class,
                "registered_delivery": RECEIPT_ON_FINAL}

    def _remember(self, key: str, response: dict[str, Any]) -> None:
        with self._lock:
            self._answers[key] = response
            while len(self._answers) > REMEMBERED:
                self._answers.popitem(last=False)

    def _deliver_sm(self, pdu: Any) -> int:
        """A deliver_sm from the SMSC: a delivery receipt is recorded; anything else (a customer's
        reply) is acknowledged and not kept. Returns the command_status of our answer."""
        if (int(pdu.esm_class or 0) & MESSAGE_TYPE_BITS) != SMSC_RECEIPT:
            log.info("SMPP: a deliver_sm that is no delivery receipt (esm_class 0x%02X) ignored", pdu.esm_class or 0)
            return int(consts.SMPP_ESME_ROK)
        try:
            receipt = parse_receipt(octet_text(pdu.short_message) or "",
                                    octet_text(getattr(pdu, "receipted_message_id", None)),
                                    getattr(pdu, "message_state", None))
        except NotAReceipt as exc:
            log.warning("SMPP: %s", exc)  # nothing to match it to: sending it again would not help
            return int(consts.SMPP_ESME_ROK)
        self._on_receipt(receipt)  # an exception: the link answers "temporary error", the SMSC repeats it
        return int(consts.SMPP_ESME_ROK)
