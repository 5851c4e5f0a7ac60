"""The explicit table of service-task operators and outbox adapters.

Every ``spiffworkflow:serviceTaskOperator`` in ``bpmn/`` must name an entry of the table
``handler_table`` builds (or one of the runtime's own ``relayflow.*`` operators); deployment
refuses anything else. Nothing registers itself on import: this module is the whole list.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

from app.rules.work_orders import DEFAULT_SERIES, Series
from app.runtime.contract import Handler, OutboxAdapter, Receipt, Refusal, TerminationHook
from app.runtime.forms import Validator
from handlers import cut_policy, disconnection, headend, reconnection, restoration_clock, sms
from handlers.headend_dlt645 import Dlt645HeadEnd, Dlt645Settings
from handlers.headend_http import HeadEndHttpSettings, HttpHeadEnd
from handlers.headend_simulator import SimulatedHeadEnd
from handlers.smpp import SmppSettings, SmppSmsAdapter
from handlers.smpp.adapter import ReceiptSink


@dataclass(frozen=True)
class HandlerSettings:
    series: Mapping[str, Series] = field(default_factory=lambda: dict(DEFAULT_SERIES))


def handler_table(settings: HandlerSettings | None = None) -> dict[str, Handler]:
    """Operator name → function, as the diagrams call them."""
    settings = settings or HandlerSettings()
    return {
        "reconnection.prepare": reconnection.prepare,
        "reconnection.assign_order": partial(reconnection.assign_order, series=settings.series),
        "reconnection.record_reconnected": reconnection.record_reconnected,
        "restoration_clock.start": restoration_clock.start,
        "restoration_clock.escalate": restoration_clock.escalate,
        "headend.send_command": headend.send_command,
        "headend.expire_command": headend.expire_command,
        "sms.notify_customer": sms.notify_customer,
        "sms.notify_reader": sms.notify_reader,
        "disconnection.notify_customers": disconnection.notify_customers,
        "disconnection.find_paid": disconnection.find_paid,
        "disconnection.still_owes": disconnection.still_owes,
        "disconnection.record_disconnected": disconnection.record_disconnected,
        "disconnection.archive": disconnection.archive,
        "cut_policy.facts": cut_policy.facts,
        "cut_policy.plan": cut_policy.plan,
        "cut_policy.renotice": cut_policy.renotice,
        "cut_policy.notice_given": cut_policy.notice_given,
    }


def validator_table() -> dict[str, Validator]:
    """User-task validators by the name a task's ``validator`` property gives."""
    return {
        "disconnection.application": disconnection.validate_application,
        "disconnection.approval": disconnection.validate_approval,
        "disconnection.issue": disconnection.validate_issue,
        "disconnection.archive_empty": disconnection.validate_archive_empty,
        "disconnection.send_to_archive": disconnection.validate_send_to_archive,
        "reconnection.on_site": reconnection.validate_on_site,
        "restoration_clock.acknowledge": restoration_clock.validate_acknowledgement,
        "disconnection.manual_entry": disconnection.validate_manual_entry,
    }


def termination_hooks() -> list[TerminationHook]:
    """What the records of the outside world need when an operator terminates an instance: its
    meter commands taken back or abandoned, its reconnection order abandoned."""
    return [headend.release_commands, reconnection.release_orders]


def outbox_receipts() -> dict[str, Receipt]:
    """What is recorded when an adapter has taken an outbox row, by adapter name."""
    return {"headend": headend.command_sent, "sms": sms.message_submitted}


def outbox_refusals() -> dict[str, Refusal]:
    """What is recorded when the receiver refused a row for good, by adapter name."""
    return {"headend": headend.command_refused}


def outbox_adapters(sms_log: Path, headend_sink: Callable[[list[dict[str, Any]]], Sequence[dict[str, Any]]],
                    clock: Any, headend_http: HeadEndHttpSettings | None = None,
                    headend_dlt645: Dlt645Settings | None = None, *, smpp: SmppSettings | None = None,
                    receipts_to: ReceiptSink | None = None) -> dict[str, OutboxAdapter]:
    """The adapters the outbox dispatcher sends through, by the name written on a row.

    Meter commands go to the head-end over HTTP when one is configured (``HEADEND_URL``: a real
    head-end, or ``relayflow headend-sim``), or straight to the meters over DL/T 645 (a gateway or
    meter endpoints: ``HEADEND_DLT645_*``), both answering through ``headend_sink``; else to an
    in-process simulated head-end that answers through it. SMS go to the SMSC over SMPP when
    ``smpp`` names one (its delivery receipts to ``receipts_to``), else they are only logged. The
    stand-ins say so in their names.
    """
    if smpp is not None and receipts_to is None:
        raise ValueError("an SMPP adapter needs somewhere to record its delivery receipts")
    headend: OutboxAdapter
    if headend_http:
        headend = HttpHeadEnd(headend_http, clock)
    elif headend_dlt645:
        headend = Dlt645HeadEnd(headend_dlt645, headend_sink, clock)
    else:
        headend = SimulatedHeadEnd(headend_sink, clock)
    sms_adapter: OutboxAdapter = (SmppSmsAdapter(smpp, receipts_to) if smpp is not None and receipts_to is not None
                                  else sms.LogOnlySmsAdapter(sms_log, clock))
    return {"sms": sms_adapter, "headend": headend}
