"""One customer as the operators' customer page shows it: archive facts, M1.1 screening and the
flag (M1.2), SMS subscriptions (M2.1), what is open for them now (reconnection orders, meter
commands in flight, process instances and their open tasks), and a timeline of what happened,
newest first. Read-only; the changes are in ``app.archive.maintenance``."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.orm import Session

from app.archive.customer_cases import CustomerCase, customer_cases
from app.archive.lookups import find_customer, screening_row
from app.archive.sms_history import SmsEntry, sms_entries
from storage import customer_records as records
from storage.customer_search import subscriptions_of
from storage.domain_models import NOTICE_TYPES, Customer, MeterCommand, Payment, Reconnection, Segment
from storage.instance_records import open_tasks_of
from storage.models import HistoryEvent, Instance, UserTask
from storage.statuses import ACTIVE_INSTANCE, IN_FLIGHT_COMMAND, OrderStatus

TIMELINE_LIMIT = 200  # per source; the page says when it is cut
# Entries at the same time, in the order they happen (the timeline shows the last first).
_SAME_TIME_ORDER = {"instance.started": 0, "order.opened": 1, "payment.received": 1, "command.created": 2,
                    "command.sent": 3, "sms.queued": 3, "command.executed": 4, "sms.submitted": 4,
                    "sms.refused": 5, "sms.delivered": 5, "sms.failed": 5, "order.closed": 5, "instance.ended": 6}
# The case steps someone took (the rest show as the orders, commands and SMS they made).
ACTED_STEPS = ("applied", "approved", "sent_back", "issued", "dropped_out", "kept", "entered_cut", "entered_not_cut",
               "reconnected_on_site")


def customer_row(customer: Customer, subscribed: Iterable[str]) -> dict[str, Any]:
    """A customer as one row of a list (search, subscriptions)."""
    chosen = set(subscribed)
    return {
        "number": customer.number, "name": customer.name, "segment": customer.segment_code,
        "meter_address": customer.meter_address, "mobile": customer.mobile, "power_status": customer.power_status,
        "power_status_since": customer.power_status_since, "owed_cents": customer.owed_cents,
        "overdue_since": customer.overdue_since, "auto_reconnect": customer.auto_reconnect,
        "subscriptions": {kind: kind in chosen for kind in NOTICE_TYPES},
    }


def _facts(customer: Customer, segment: Segment | None) -> dict[str, Any]:
    names = ("number", "name", "mobile", "address", "customer_class", "voltage_class", "meter_address",
             "meter_protocol", "relay_type", "can_direct_close", "ami_connected", "channel_online", "channel_seen_at",
             "power_status", "power_status_since", "auto_reconnect", "auto_reconnect_by", "auto_reconnect_at",
             "protected_kind", "protected_reason", "protected_by", "protected_at", "owed_cents", "overdue_since",
             "last_reconnected_at", "medical_certificate_on")
    facts = {name: getattr(customer, name) for name in names}
    facts.update(segment=customer.segment_code, segment_name=segment.name if segment else None,
                 reader_username=segment.reader_username if segment else None)
    return facts


def _order(order: Reconnection) -> dict[str, Any]:
    return {"id": order.id, "status": order.status, "auto_order_no": order.auto_order_no,
            "manual_order_no": order.manual_order_no, "trigger": order.trigger, "instance_id": order.instance_id,
            "opened_at": order.opened_at, "closed_at": order.closed_at, "outcome": order.outcome}


def _command(command: MeterCommand) -> dict[str, Any]:
    return {"command_id": command.command_id, "action": command.action, "status": command.status,
            "instance_id": command.instance_id, "created_at": command.created_at, "sent_at": command.sent_at,
            "deadline": command.deadline, "executed_at": command.executed_at, "relay": command.relay,
            "error": command.error}


def _instance(instance: Instance, parent: Instance | None, tasks: list[UserTask]) -> dict[str, Any]:
    return {"id": instance.id, "process_id": instance.process_id, "status": instance.status,
            "started_at": instance.created_at, "started_by": instance.started_by,
            "parent": {"id": parent.id, "process_id": parent.process_id, "status": parent.status} if parent else None,
            "open_tasks": [{"id": t.id, "element_id": t.element_id, "name": t.name, "lane": t.lane,
                            "lane_name": t.lane_name, "claimed_by": t.claimed_by} for t in tasks]}


def _entry(at: datetime | None, kind: str, data: dict[str, Any], *, actor: str | None = None,
           instance_id: int | None = None) -> dict[str, Any]:
    return {"at": at, "kind": kind, "actor": actor, "instance_id": instance_id, "data": data}


def _timeline(events: list[HistoryEvent], instances: list[Instance], orders: list[Reconnection],
              commands: list[MeterCommand], payments: list[Payment], sms: list[SmsEntry]) -> list[dict[str, Any]]:
    entries = [_entry(e.at, e.type, e.data, actor=e.actor) for e in events]
    for i in instances:
        entries.append(_entry(i.created_at, "instance.started", {"process_id": i.process_id},
                              actor=i.started_by, instance_id=i.id))
        if i.ended_at is not None:
            entries.append(_entry(i.ended_at, "instance.ended", {"process_id": i.process_id, "status": i.status,
                                                                 "reason": i.status_reason}, instance_id=i.id))
    for o in orders:
        numbers = {"auto_order_no": o.auto_order_no, "manual_order_no": o.manual_order_no}
        entries.append(_entry(o.opened_at, "order.opened", {**numbers, "trigger": o.trigger},
                              instance_id=o.instance_id))
        if o.closed_at is not None:
            entries.append(_entry(o.closed_at, "order.closed", {**numbers, "outcome": o.outcome},
                                  instance_id=o.instance_id))
    for c in commands:
        entries.append(_entry(c.created_at, "command.created", {"action": c.action, "command_id": c.command_id,
                                                                "status": c.status}, instance_id=c.instance_id))
        if c.sent_at is not None:
            entries.append(_entry(c.sent_at, "command.sent", {"action": c.action, "command_id": c.command_id},
                                  instance_id=c.instance_id))
        if c.executed_at is not None:
            entries.append(_entry(c.executed_at, "command.executed", {
                "action": c.action, "command_id": c.command_id, "relay": c.relay, "error": c.error},
                instance_id=c.instance_id))
    entries += [_entry(p.paid_at, "payment.received", {"payment_id": p.payment_id, "amount_cents": p.amount_cents,
                                                        "owed_after_cents": p.owed_after_cents}) for p in payments]
    entries += [_entry(p.reversed_at, "payment.reversed", {"payment_id": p.payment_id, "amount_cents": p.amount_cents,
                                                           "reason": p.reversal_reason})
                for p in payments if p.reversed_at is not None]
    entries += [_entry(at, kind, data, instance_id=instance_id) for at, kind, data, instance_id in sms]
    return entries


def _timeline_order(entry: dict[str, Any]) -> tuple[datetime, int]:
    at = entry["at"]
    return at if at.tzinfo is not None else at.replace(tzinfo=UTC), _SAME_TIME_ORDER.get(entry["kind"], 3)


def _step_entries(cases: list[CustomerCase]) -> list[dict[str, Any]]:
    """The steps people (or the machine, for them) took in the customer's cases: who applied,
    approved, issued, entered by hand, reconnected on site — with their notes."""
    return [_entry(_moment(step.at), "case.step", {"step": asdict(step)}, actor=step.actor, instance_id=case.id)
            for case in cases for step in case.steps if step.kind in ACTED_STEPS and _moment(step.at)]


def _moment(at: datetime | str | None) -> datetime | None:
    if isinstance(at, str):
        try:
            at = datetime.fromisoformat(at)
        except ValueError:
            return None
    return at


def customer_overview(session: Session, number: str, *, limit: int = TIMELINE_LIMIT) -> dict[str, Any]:
    """Everything the customer page shows; ``NotFound`` for an unknown customer. ``cases`` (every
    case they are part of, a batch's too, with its stage) is for the page, not the JSON answer."""
    customer = find_customer(session, number)
    cases = customer_cases(session, number, limit=limit)
    case_ids = {case.id for case in cases} | {child for case in cases for child in case.children}
    instances = sorted(records.instances_by_id(session, sorted(case_ids)).values(), key=lambda i: i.id, reverse=True)
    parents = records.instances_by_id(session, sorted({i.parent_id for i in instances if i.parent_id is not None}))
    active = [i for i in instances if i.status in ACTIVE_INSTANCE]
    tasks = open_tasks_of(session, [i.id for i in active])
    orders = records.reconnections_of(session, customer.id, limit)
    commands = records.commands_of(session, customer.id, limit)
    payments = records.payments_of(session, customer.id, limit)
    events = records.archive_events_about(session, "customer", number, limit)
    sms = records.sms_about(session, number, [i.id for i in instances] + list(parents), limit)
    timeline = sorted(_timeline(events, instances, orders, commands, payments, sms_entries(session, sms))
                      + _step_entries(cases),
                      key=_timeline_order, reverse=True)
    cut = len(timeline) > limit or any(len(rows) >= limit for rows in (instances, orders, commands, payments,
                                                                        events, sms))
    return {
        "customer": _facts(customer, session.get(Segment, customer.segment_code)),
        "screening": screening_row(customer),
        "subscriptions": customer_row(customer, subscriptions_of(session, [customer.id])[customer.id])["subscriptions"],
        "open": {
            "reconnections": [_order(o) for o in orders if o.status == OrderStatus.OPEN],
            "commands": [_command(c) for c in commands if c.status in IN_FLIGHT_COMMAND],
            "instances": [_instance(i, parents.get(i.parent_id) if i.parent_id else None, tasks[i.id])
                          for i in active],
        },
        "timeline": timeline[:limit],
        "cases": cases,
        "timeline_cut": cut,
    }
