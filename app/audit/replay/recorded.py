"""What a replay reads: an instance's recorded events, and the deployment it ran on."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from app.runtime.events.history import instance_stream
from storage import replay_rows as rows
from storage.replay_rows import RecordedEvent as RecordedEvent


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
    heads = rows.case_heads(session, instance_ids)
    events: dict[int, list[RecordedEvent]] = {head.instance_id: [] for head in heads}
    for instance_id, event in rows.case_events(session, [instance_stream(head.instance_id) for head in heads]):
        events[instance_id].append(event)
    open_tasks: dict[int, list[str]] = {head.instance_id: [] for head in heads}
    for instance_id, element_id in rows.open_task_elements(session, list(events)):
        open_tasks[instance_id].append(element_id)
    return {head.instance_id: RecordedCase(head.instance_id, head.process_id, head.deployment_id, head.status,
                                           events[head.instance_id], sorted(open_tasks[head.instance_id]))
            for head in heads}
