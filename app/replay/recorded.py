"""What a replay reads: an instance's recorded events, and the deployment it ran on."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.runtime.history import instance_stream
from storage.models import HistoryEvent, Instance, ProcessVersion, UserTask


@dataclass(frozen=True)
class RecordedEvent:
    seq: int
    type: str
    element_id: str | None
    actor: str
    at: datetime
    data: dict[str, Any]
    deployment_id: int | None


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
    found = session.execute(
        select(Instance.process_id, Instance.status, ProcessVersion.deployment_id)
        .join(ProcessVersion, ProcessVersion.id == Instance.process_version_id)
        .where(Instance.id == instance_id)).first()
    if found is None:
        raise CaseNotFound(f"instance {instance_id} does not exist")
    rows = session.execute(
        select(HistoryEvent.seq, HistoryEvent.type, HistoryEvent.element_id, HistoryEvent.actor, HistoryEvent.at,
               HistoryEvent.data, HistoryEvent.deployment_id)
        .where(HistoryEvent.stream == instance_stream(instance_id)).order_by(HistoryEvent.seq)).all()
    open_tasks = session.execute(select(UserTask.element_id).where(UserTask.instance_id == instance_id)).scalars()
    return RecordedCase(instance_id, found.process_id, found.deployment_id, found.status,
                        [RecordedEvent(*row) for row in rows], sorted(open_tasks))
