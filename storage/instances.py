"""Instance queries for lists and search: by process, status, incident and business attributes."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, select
from sqlalchemy.orm import Session, aliased

from storage.models import Incident, Instance, InstanceAttribute


@dataclass(frozen=True)
class InstanceFilter:
    process_id: str | None = None
    status: str | None = None
    attributes: Mapping[str, str] | None = None
    has_incident: bool | None = None


def search_query(filters: InstanceFilter) -> Select[Instance]:
    """A query of instances matching every given filter; each attribute filter is one indexed join."""
    query = select(Instance)
    if filters.process_id is not None:
        query = query.where(Instance.process_id == filters.process_id)
    if filters.status is not None:
        query = query.where(Instance.status == filters.status)
    for name, value in sorted((filters.attributes or {}).items()):
        attribute = aliased(InstanceAttribute)
        query = query.join(attribute, (attribute.instance_id == Instance.id) & (attribute.name == name)
                           & (attribute.value == value))
    if filters.has_incident is not None:
        # IN (subquery) rather than a correlated EXISTS: the few ids with an open incident come from
        # the incidents' index instead of a probe per instance of the whole table.
        open_incident = Instance.id.in_(select(Incident.instance_id).where(Incident.resolved_at.is_(None)))
        query = query.where(open_incident if filters.has_incident else ~open_incident)
    return query


def search(session: Session, filters: InstanceFilter, *, limit: int = 50, offset: int = 0) -> list[Instance]:
    """Newest first."""
    query = search_query(filters).order_by(Instance.id.desc()).limit(limit).offset(offset)
    return list(session.execute(query).scalars())


def started_at(session: Session, instance_id: int) -> datetime:
    """When the instance was created."""
    return session.execute(select(Instance.created_at).where(Instance.id == instance_id)).scalar_one()


def attributes_of(session: Session, instance_id: int) -> dict[str, str]:
    rows = session.execute(select(InstanceAttribute.name, InstanceAttribute.value)
                           .where(InstanceAttribute.instance_id == instance_id)).all()
    return dict(rows)
