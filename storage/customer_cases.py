"""The cases a customer is part of, and what their history records, for the customer page and the
audit case search (``app.archive.customer_cases`` reads the stages from it).

A case is an instance whose ``customer`` attribute names the customer (a reconnection, a batch's
child), the batch such a child belongs to, or an instance one of whose tasks named the customer
(``case_customers``: a batch applied for, approved, waiting to be issued — before it has any child —
and one the customer dropped out of). Every lookup goes through an index; none reads an instance's serialized state.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, select, union
from sqlalchemy.orm import Session

from storage.domain_models import MeterCommand
from storage.models import (
    CaseCustomer,
    HistoryEvent,
    Instance,
    InstanceAttribute,
    OutboxMessage,
    ProcessVersion,
    UserTask,
)

CUSTOMER_ATTRIBUTE = "customer"
# The events a case's stages are read from (element transitions are left out: many, and not needed).
STAGE_EVENTS = ("instance.started", "instance.terminated", "instance.completed", "task.completed",
                "service.called")


@dataclass(frozen=True)
class CaseRow:
    id: int
    process_id: str
    process_name: str | None
    status: str
    started_by: str
    created_at: datetime
    ended_at: datetime | None
    parent_id: int | None
    status_reason: str | None
    result: Any


@dataclass(frozen=True)
class CaseEvent:
    instance_id: int
    seq: int
    type: str
    element_id: str | None
    actor: str
    at: datetime
    data: dict[str, Any]


@dataclass(frozen=True)
class CaseTask:
    instance_id: int
    element_id: str
    name: str | None
    lane_name: str | None
    claimed_by: str | None
    created_at: datetime
    due_at: datetime | None


@dataclass(frozen=True)
class CaseSms:
    instance_id: int | None
    notice: str | None
    status: str
    created_at: datetime
    sent_at: datetime | None


@dataclass(frozen=True)
class CaseCommand:
    instance_id: int | None
    action: str
    status: str
    created_at: datetime
    sent_at: datetime | None
    executed_at: datetime | None
    error: str | None


def _about(customer_number: str) -> Select[int]:
    return select(InstanceAttribute.instance_id).where(InstanceAttribute.name == CUSTOMER_ATTRIBUTE,
                                                       InstanceAttribute.value == customer_number)


def case_ids_statement(customer_number: str) -> Select[int]:
    """The ids of every case the customer is part of: about them, a batch of a child about them, one
    whose tasks named them."""
    about = _about(customer_number)
    parents = select(Instance.parent_id).where(Instance.id.in_(about), Instance.parent_id.is_not(None))
    tasks = select(CaseCustomer.instance_id).where(CaseCustomer.customer_number == customer_number)
    ids = union(about, parents, tasks).subquery()
    return select(ids.c[0])


def case_ids(session: Session, customer_number: str, limit: int) -> list[int]:
    """The customer's cases, newest first, at most ``limit``."""
    ids = case_ids_statement(customer_number).subquery()
    query = select(Instance.id).where(Instance.id.in_(select(ids.c[0]))).order_by(Instance.id.desc()).limit(limit)
    return list(session.execute(query).scalars())


def case_rows(session: Session, ids: Sequence[int]) -> list[CaseRow]:
    """The instances ``ids`` (and nothing else), newest first."""
    if not ids:
        return []
    rows = session.execute(
        select(Instance.id, Instance.process_id, ProcessVersion.name, Instance.status, Instance.started_by,
               Instance.created_at, Instance.ended_at, Instance.parent_id, Instance.status_reason, Instance.result)
        .join(ProcessVersion, ProcessVersion.id == Instance.process_version_id)
        .where(Instance.id.in_(list(ids))).order_by(Instance.id.desc()))
    return [CaseRow(*row) for row in rows]


def children_about(session: Session, parent_ids: Sequence[int], customer_number: str) -> list[int]:
    """The children of these batches that are about the customer."""
    if not parent_ids:
        return []
    return list(session.execute(select(Instance.id).where(Instance.parent_id.in_(list(parent_ids)),
                                                          Instance.id.in_(_about(customer_number)))).scalars())


def case_events(session: Session, ids: Sequence[int]) -> list[CaseEvent]:
    """The events of these instances a stage is read from, oldest first per instance."""
    if not ids:
        return []
    rows = session.execute(
        select(HistoryEvent.instance_id, HistoryEvent.seq, HistoryEvent.type, HistoryEvent.element_id,
               HistoryEvent.actor, HistoryEvent.at, HistoryEvent.data)
        .where(HistoryEvent.instance_id.in_(list(ids)), HistoryEvent.type.in_(STAGE_EVENTS),
               HistoryEvent.stream.like("instance/%"))
        .order_by(HistoryEvent.instance_id, HistoryEvent.seq))
    return [CaseEvent(*row) for row in rows]


def case_tasks(session: Session, ids: Sequence[int]) -> list[CaseTask]:
    """The open user tasks of these instances (with their due times), oldest first."""
    if not ids:
        return []
    rows = session.execute(
        select(UserTask.instance_id, UserTask.element_id, UserTask.name, UserTask.lane_name, UserTask.claimed_by,
               UserTask.created_at, UserTask.due_at)
        .where(UserTask.instance_id.in_(list(ids))).order_by(UserTask.created_at, UserTask.id))
    return [CaseTask(*row) for row in rows]


def case_sms(session: Session, ids: Sequence[int], customer_number: str) -> list[CaseSms]:
    """The service SMS these instances queued about the customer (the key ends with their number)."""
    if not ids:
        return []
    rows = session.execute(
        select(OutboxMessage.instance_id, OutboxMessage.payload, OutboxMessage.status, OutboxMessage.created_at,
               OutboxMessage.sent_at)
        .where(OutboxMessage.adapter == "sms", OutboxMessage.instance_id.in_(list(ids)),
               OutboxMessage.idempotency_key.endswith(f":{customer_number}", autoescape=True))
        .order_by(OutboxMessage.id))
    return [CaseSms(row.instance_id, (row.payload or {}).get("notice"), row.status, row.created_at, row.sent_at)
            for row in rows]


def case_commands(session: Session, customer_id: int, ids: Sequence[int]) -> list[CaseCommand]:
    """The meter commands these instances sent to the customer's meter, oldest first."""
    if not ids:
        return []
    rows = session.execute(
        select(MeterCommand.instance_id, MeterCommand.action, MeterCommand.status, MeterCommand.created_at,
               MeterCommand.sent_at, MeterCommand.executed_at, MeterCommand.error)
        .where(MeterCommand.customer_id == customer_id, MeterCommand.instance_id.in_(list(ids)))
        .order_by(MeterCommand.id))
    return [CaseCommand(*row) for row in rows]

