"""What the instance detail shows, read without the serialized state: the row's facts, its open
user tasks, its incidents and its history (its BPMN files: ``storage.deployments.stored_files``)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from storage.models import HistoryEvent, Incident, Instance, OutboxMessage, ProcessVersion, UserTask


@dataclass(frozen=True)
class InstanceRecord:
    id: int
    process_id: str
    process_name: str | None
    process_version_id: int
    version: int
    deployment_id: int
    status: str
    status_reason: str | None
    started_by: str
    created_at: datetime
    updated_at: datetime
    ended_at: datetime | None
    next_wake_at: datetime | None
    parent_id: int | None
    parent_process_id: str | None
    start_data: dict[str, Any] | None
    result: Any


@dataclass(frozen=True)
class OpenTask:
    id: str
    element_id: str
    name: str | None
    lane: str | None  # the lane's role
    claimed_by: str | None
    created_at: datetime
    lane_name: str | None = None  # the lane's name people read


@dataclass(frozen=True)
class IncidentRecord:
    id: int
    element_id: str | None
    error: str
    created_at: datetime
    resolved_at: datetime | None
    resolved_by: str | None

    @property
    def open(self) -> bool:
        return self.resolved_at is None


@dataclass(frozen=True)
class EventRecord:
    seq: int
    type: str
    element_id: str | None
    actor: str
    at: datetime
    data: dict[str, Any]


_RECORD = (
    select(Instance.id, Instance.process_id, ProcessVersion.name, Instance.process_version_id,
           ProcessVersion.version, ProcessVersion.deployment_id, Instance.status, Instance.status_reason,
           Instance.started_by, Instance.created_at, Instance.updated_at, Instance.ended_at, Instance.next_wake_at,
           Instance.parent_id, Instance.start_data, Instance.result)
    .join(ProcessVersion, ProcessVersion.id == Instance.process_version_id)
)


def instance_record(session: Session, instance_id: int) -> InstanceRecord | None:
    row = session.execute(_RECORD.where(Instance.id == instance_id)).first()
    if row is None:
        return None
    parent_process = None
    if row.parent_id is not None:
        parent_process = session.execute(select(Instance.process_id).where(Instance.id == row.parent_id)).scalar()
    return InstanceRecord(
        id=row.id, process_id=row.process_id, process_name=row.name, process_version_id=row.process_version_id,
        version=row.version, deployment_id=row.deployment_id, status=row.status, status_reason=row.status_reason,
        started_by=row.started_by, created_at=row.created_at, updated_at=row.updated_at, ended_at=row.ended_at,
        next_wake_at=row.next_wake_at, parent_id=row.parent_id, parent_process_id=parent_process,
        start_data=row.start_data, result=row.result)


def open_tasks_of(session: Session, instance_ids: Sequence[int]) -> dict[int, list[UserTask]]:
    """The open user tasks of each instance, oldest first (every id present, maybe with none)."""
    found: dict[int, list[UserTask]] = {instance_id: [] for instance_id in instance_ids}
    if instance_ids:
        query = (select(UserTask).where(UserTask.instance_id.in_(list(instance_ids)))
                 .order_by(UserTask.created_at, UserTask.id))
        for task in session.execute(query).scalars():
            found[task.instance_id].append(task)
    return found


def open_tasks(session: Session, instance_id: int) -> list[OpenTask]:
    return [OpenTask(t.id, t.element_id, t.name, t.lane, t.claimed_by, t.created_at, t.lane_name)
            for t in open_tasks_of(session, [instance_id])[instance_id]]


def incidents(session: Session, instance_id: int) -> list[IncidentRecord]:
    """Every incident of the instance, oldest first (the resolved ones say who retried them)."""
    rows = session.execute(select(Incident).where(Incident.instance_id == instance_id).order_by(Incident.id)).scalars()
    return [IncidentRecord(i.id, i.element_id, i.error, i.created_at, i.resolved_at, i.resolved_by) for i in rows]


def incident_instance(session: Session, incident_id: int) -> tuple[int, datetime | None, str | None] | None:
    """(instance id, resolved at, resolved by) of an incident, or None if there is no such incident."""
    row = session.execute(select(Incident.instance_id, Incident.resolved_at, Incident.resolved_by)
                          .where(Incident.id == incident_id)).first()
    return (row[0], row[1], row[2]) if row is not None else None


def history_count(session: Session, stream: str) -> int:
    return int(session.execute(select(func.count()).where(HistoryEvent.stream == stream)).scalar_one())


def history(session: Session, stream: str, *, last: int) -> list[EventRecord]:
    """The stream's last ``last`` events, oldest first."""
    rows = session.execute(select(HistoryEvent.seq, HistoryEvent.type, HistoryEvent.element_id, HistoryEvent.actor,
                                  HistoryEvent.at, HistoryEvent.data)
                           .where(HistoryEvent.stream == stream).order_by(HistoryEvent.seq.desc()).limit(last)).all()
    return [EventRecord(r.seq, r.type, r.element_id, r.actor, r.at, r.data) for r in reversed(rows)]


def element_events(session: Session, stream: str) -> list[tuple[str, str]]:
    """(type, element id) of every element transition in the stream, in order: the path taken."""
    rows = session.execute(select(HistoryEvent.type, HistoryEvent.element_id)
                           .where(HistoryEvent.stream == stream, HistoryEvent.type.like("element.%"),
                                  HistoryEvent.element_id.is_not(None))
                           .order_by(HistoryEvent.seq))
    return [(kind, str(element)) for kind, element in rows]


def queued_with(session: Session, instance_id: int, at: datetime) -> dict[str, int]:
    """How many outbox rows (per adapter: ``sms``, ``headend``) the instance's step at ``at`` queued."""
    return {adapter: count for adapter, count in session.execute(
        select(OutboxMessage.adapter, func.count()).where(OutboxMessage.instance_id == instance_id,
                                                          OutboxMessage.created_at == at)
        .group_by(OutboxMessage.adapter))}
