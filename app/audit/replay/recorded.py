"""What a replay reads: an instance's recorded events, and the deployment it ran on."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.runtime.events.history import instance_stream
from storage.instance_records import EventRecord
from storage.models import HistoryEvent, Instance, ProcessVersion, UserTask


@dataclass(frozen=True)
class RecordedEvent(EventRecord):
    """An event as history recorded it, with the deployment it ran on."""

    deployment_id: int | None = None


@dataclass(frozen=True)
class RecordedCase:
    instance_id: int
    process_id: str
    deployment_id: int
    status: str
    events: list[RecordedEvent]
    open_tasks: list[str]  # element ids of its open user tasks, as the inbox holds them


class CaseNotFound(LookupError):
    pass


def recorded_case(session: Session, instance_id: int) -> RecordedCase:
    """The instance's recorded events in order, and the deployment its version belongs to."""
    found = recorded_cases(session, [instance_id])
    if instance_id not in found:
        raise CaseNotFound(f"instance {instance_id} does not exist")
    return found[instance_id]


def recorded_cases(session: Session, instance_ids: list[int]) -> dict[int, RecordedCase]:
    """Several cases in three queries (a batch replay reads hundreds at a time); ids that name no
    instance are left out."""
    heads = session.execute(
        select(Instance.id, Instance.process_id, Instance.status, ProcessVersion.deployment_id)
        .join(ProcessVersion, ProcessVersion.id == Instance.process_version_id)
        .where(Instance.id.in_(instance_ids))).all()
    events: dict[int, list[RecordedEvent]] = {row.id: [] for row in heads}
    for row in session.execute(
            select(HistoryEvent.instance_id, HistoryEvent.seq, HistoryEvent.type, HistoryEvent.element_id,
                   HistoryEvent.actor, HistoryEvent.at, HistoryEvent.data, HistoryEvent.deployment_id)
            .where(HistoryEvent.stream.in_([instance_stream(row.id) for row in heads]))
            .order_by(HistoryEvent.stream, HistoryEvent.seq)):
        events[row.instance_id].append(RecordedEvent(*row[1:]))
    open_tasks: dict[int, list[str]] = {row.id: [] for row in heads}
    for instance_id, element_id in session.execute(
            select(UserTask.instance_id, UserTask.element_id).where(UserTask.instance_id.in_(list(events)))):
        open_tasks[instance_id].append(element_id)
    return {row.id: RecordedCase(row.id, row.process_id, row.deployment_id, row.status, events[row.id],
                                 sorted(open_tasks[row.id])) for row in heads}
