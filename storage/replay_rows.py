"""What a replay reads: the cases (instances with their deployment), their recorded events in
order, their open user tasks, and the bundle hashes deployments were recorded with."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.instance_records import EventRecord
from storage.models import Deployment, HistoryEvent, Instance, ProcessVersion, UserTask


@dataclass(frozen=True)
class CaseHead:
    instance_id: int
    process_id: str
    status: str
    deployment_id: int


@dataclass(frozen=True)
class RecordedEvent(EventRecord):
    """An event as history recorded it, with the deployment it ran on."""

    deployment_id: int | None = None


def instance_ids(session: Session, since: datetime | None) -> list[int]:
    """Every instance's id (created at or after ``since``, when given), in order."""
    query = select(Instance.id).order_by(Instance.id)
    if since is not None:
        query = query.where(Instance.created_at >= since)
    return list(session.execute(query).scalars())


def case_heads(session: Session, instance_ids: list[int]) -> list[CaseHead]:
    """The instances among ``instance_ids`` that exist, with the deployment of their version."""
    return [CaseHead(*row) for row in session.execute(
        select(Instance.id, Instance.process_id, Instance.status, ProcessVersion.deployment_id)
        .join(ProcessVersion, ProcessVersion.id == Instance.process_version_id)
        .where(Instance.id.in_(instance_ids)))]


def case_events(session: Session, streams: list[str]) -> Iterator[tuple[int, RecordedEvent]]:
    """(instance id, event) of these streams' events, stream by stream, each in ``seq`` order."""
    for row in session.execute(
            select(HistoryEvent.instance_id, HistoryEvent.seq, HistoryEvent.type, HistoryEvent.element_id,
                   HistoryEvent.actor, HistoryEvent.at, HistoryEvent.data, HistoryEvent.deployment_id)
            .where(HistoryEvent.stream.in_(streams))
            .order_by(HistoryEvent.stream, HistoryEvent.seq)):
        yield row[0], RecordedEvent(*row[1:])


def open_task_elements(session: Session, instance_ids: list[int]) -> list[tuple[int, str]]:
    """(instance id, element id) of every open user task of these instances."""
    return [(instance_id, element_id) for instance_id, element_id in session.execute(
        select(UserTask.instance_id, UserTask.element_id).where(UserTask.instance_id.in_(instance_ids)))]


def stored_bundle_hash(session: Session, deployment_id: int) -> str | None:
    """The bundle hash the deployment row holds (None: no such deployment)."""
    stored = session.get(Deployment, deployment_id)
    return stored.bundle_hash if stored is not None else None


def recorded_bundle_hashes(session: Session, stream: str, event_type: str) -> dict[Any, Any]:
    """deployment id → bundle hash, as each ``event_type`` event of ``stream`` recorded them."""
    return {event.data.get("deployment_id"): event.data.get("bundle_hash") for event in session.execute(
        select(HistoryEvent).where(HistoryEvent.stream == stream, HistoryEvent.type == event_type)).scalars()}
