"""Everything an operator reads about one instance, in one read transaction: its facts and
attributes, parent and children, open user tasks, incidents and history."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from app.runtime.errors import NO_INSTANCE, Conflict, NotFound
from app.runtime.events.history import instance_stream
from app.translations import N_, Text
from storage import instance_listing, instance_records
from storage.instance_listing import InstanceSummary
from storage.instance_records import EventRecord, IncidentRecord, InstanceRecord, OpenTask
from storage.instances import attributes_of

LARGEST_ID = 2**63 - 1  # ids are 64-bit on both backends; a larger number names nothing


@dataclass(frozen=True)
class InstanceDetail:
    record: InstanceRecord
    attributes: dict[str, str]
    tasks: list[OpenTask]
    incidents: list[IncidentRecord]
    children: list[InstanceSummary]
    children_by_status: dict[str, int]
    history: list[EventRecord]
    history_total: int

    @property
    def open_incidents(self) -> list[IncidentRecord]:
        return [incident for incident in self.incidents if incident.open]

    @property
    def children_total(self) -> int:
        return sum(self.children_by_status.values())


def possible_id(instance_id: int) -> int:
    """The id, or NotFound for a number no instance can have (before it reaches the database)."""
    if not 0 < instance_id <= LARGEST_ID:
        raise NotFound(Text(NO_INSTANCE, instance=instance_id))
    return instance_id


def require_record(session: Session, instance_id: int) -> InstanceRecord:
    record = instance_records.instance_record(session, possible_id(instance_id))
    if record is None:
        raise NotFound(Text(NO_INSTANCE, instance=instance_id))
    return record


def instance_detail(session: Session, instance_id: int, *, history_last: int = 500,
                    children_shown: int = 50) -> InstanceDetail:
    record = require_record(session, instance_id)
    stream = instance_stream(instance_id)
    children, by_status = instance_listing.children_of(session, instance_id, limit=children_shown)
    return InstanceDetail(
        record=record, attributes=attributes_of(session, instance_id),
        tasks=instance_records.open_tasks(session, instance_id),
        incidents=instance_records.incidents(session, instance_id),
        children=children, children_by_status=by_status,
        history=instance_records.history(session, stream, last=history_last),
        history_total=instance_records.history_count(session, stream))


def instance_of_open_incident(session: Session, incident_id: int) -> int:
    """The instance whose open incident this is; NotFound / Conflict if it is unknown / resolved."""
    found = instance_records.incident_instance(session, incident_id) if 0 < incident_id <= LARGEST_ID else None
    if found is None:
        raise NotFound(Text(N_("incident {incident} does not exist"), incident=incident_id))
    instance_id, resolved_at, resolved_by = found
    if resolved_at is not None:
        raise Conflict(Text(N_("incident {incident} was already retried by {who} at {at}"), incident=incident_id,
                            who=resolved_by, at=resolved_at.isoformat(timespec="minutes")))
    return instance_id
