"""The operators' instance list: filters on the indexed attributes, paging, and for each row of a
page only what the table shows (the serialized state is never read)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Row, Select, func, select
from sqlalchemy.orm import Session

from storage.case_drafts import hidden_from
from storage.customer_cases import case_ids_statement
from storage.instances import InstanceFilter, search_query
from storage.models import Incident, Instance, InstanceAttribute, ProcessVersion

# A work-order number is stored under the attribute its kind names; one search box finds any.
WORK_ORDER_ATTRIBUTES = ("work_order", "manual_order", "batch")
SHOWN_ATTRIBUTES = (*WORK_ORDER_ATTRIBUTES, "customer", "segment")
SORTS = {"newest": Instance.id.desc(), "oldest": Instance.id.asc()}  # both walk the primary key


@dataclass(frozen=True)
class ListFilter:
    process_id: str | None = None
    status: str | None = None
    work_order: str | None = None
    customer: str | None = None  # the instance's ``customer`` attribute
    member: str | None = None  # any case the customer is part of (``storage.customer_cases``): a batch too
    segment: str | None = None
    has_incident: bool | None = None
    parent_id: int | None = None
    started_from: datetime | None = None  # created at or after
    started_before: datetime | None = None  # created before


@dataclass(frozen=True)
class InstanceSummary:
    id: int
    process_id: str
    process_name: str | None
    version: int
    status: str
    started_by: str
    created_at: datetime
    updated_at: datetime
    ended_at: datetime | None
    parent_id: int | None
    open_tasks: int
    has_incident: bool
    attributes: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class InstancePage:
    rows: list[InstanceSummary]
    total: int
    page: int
    size: int

    @property
    def has_next(self) -> bool:
        return self.page * self.size < self.total


# id, process_id, name, version, status, started_by, created_at, updated_at, ended_at, parent_id, open_tasks
SummaryRow = Row[int, str, str | None, int, str, str, datetime, datetime, datetime | None, int | None, list[Any]]
_SUMMARY_COLUMNS = (
    Instance.id, Instance.process_id, ProcessVersion.name, ProcessVersion.version, Instance.status,
    Instance.started_by, Instance.created_at, Instance.updated_at, Instance.ended_at, Instance.parent_id,
    Instance.open_tasks,
)


def _matching(filters: ListFilter) -> Select[Any]:
    attributes = {name: value for name, value in (("customer", filters.customer), ("segment", filters.segment))
                  if value is not None}
    query: Select[Any] = search_query(InstanceFilter(
        process_id=filters.process_id, status=filters.status, attributes=attributes or None,
        has_incident=filters.has_incident))
    # IN (subquery) rather than a correlated EXISTS: the few matching ids come from the (name, value)
    # index instead of a probe per instance of the whole table.
    if filters.work_order is not None:
        query = query.where(Instance.id.in_(select(InstanceAttribute.instance_id).where(
            InstanceAttribute.name.in_(WORK_ORDER_ATTRIBUTES), InstanceAttribute.value == filters.work_order)))
    if filters.member is not None:
        query = query.where(Instance.id.in_(case_ids_statement(filters.member)))
    if filters.parent_id is not None:
        query = query.where(Instance.parent_id == filters.parent_id)
    if filters.started_from is not None:
        query = query.where(Instance.created_at >= filters.started_from)
    if filters.started_before is not None:
        query = query.where(Instance.created_at < filters.started_before)
    return query


def list_instances(session: Session, filters: ListFilter, *, page: int = 1, size: int = 50,
                   sort: str = "newest", viewer: str | None = None) -> InstancePage:
    """One page of the instances matching every filter (newest first unless ``sort`` says otherwise);
    for a ``viewer``, without other people's drafts."""
    matching = _matching(filters)
    if viewer is not None:
        matching = matching.where(hidden_from(viewer, Instance.id))
    total = session.execute(select(func.count()).select_from(
        matching.with_only_columns(Instance.id).subquery())).scalar_one()
    found = session.execute(
        matching.with_only_columns(*_SUMMARY_COLUMNS)
        .join(ProcessVersion, ProcessVersion.id == Instance.process_version_id)
        .order_by(SORTS[sort]).limit(size).offset((page - 1) * size)).all()
    return InstancePage(summaries(session, found), total, page, size)


def summaries(session: Session, found: Sequence[SummaryRow]) -> list[InstanceSummary]:
    """Rows of ``_SUMMARY_COLUMNS`` with their shown attributes and open-incident flag (two queries
    for the whole page, not two per row)."""
    ids = [row.id for row in found]
    if not ids:
        return []
    attributes: dict[int, dict[str, str]] = {}
    for instance_id, name, value in session.execute(
            select(InstanceAttribute.instance_id, InstanceAttribute.name, InstanceAttribute.value)
            .where(InstanceAttribute.instance_id.in_(ids), InstanceAttribute.name.in_(SHOWN_ATTRIBUTES))):
        attributes.setdefault(instance_id, {})[name] = value
    with_incident = set(session.execute(select(Incident.instance_id).where(
        Incident.instance_id.in_(ids), Incident.resolved_at.is_(None))).scalars())
    return [InstanceSummary(
        id=row.id, process_id=row.process_id, process_name=row.name, version=row.version, status=row.status,
        started_by=row.started_by, created_at=row.created_at, updated_at=row.updated_at, ended_at=row.ended_at,
        parent_id=row.parent_id, open_tasks=len(row.open_tasks or []), has_incident=row.id in with_incident,
        attributes=attributes.get(row.id, {})) for row in found]


def children_of(session: Session, parent_id: int, *, limit: int) -> tuple[list[InstanceSummary], dict[str, int]]:
    """The first ``limit`` children of an instance and how many there are in each status."""
    found = session.execute(
        select(*_SUMMARY_COLUMNS).join(ProcessVersion, ProcessVersion.id == Instance.process_version_id)
        .where(Instance.parent_id == parent_id).order_by(Instance.id).limit(limit)).all()
    counts = {status: count for status, count in session.execute(
        select(Instance.status, func.count()).where(Instance.parent_id == parent_id).group_by(Instance.status))}
    return summaries(session, found), counts


def summary_of(session: Session, instance_id: int) -> InstanceSummary | None:
    found = session.execute(
        select(*_SUMMARY_COLUMNS).join(ProcessVersion, ProcessVersion.id == Instance.process_version_id)
        .where(Instance.id == instance_id)).all()
    rows = summaries(session, found)
    return rows[0] if rows else None


def process_choices(session: Session) -> list[tuple[str, str | None]]:
    """Every deployed process id with the name of its latest version, for the process filter."""
    latest = (select(ProcessVersion.process_id, func.max(ProcessVersion.version).label("version"))
              .group_by(ProcessVersion.process_id).subquery())
    rows = session.execute(select(ProcessVersion.process_id, ProcessVersion.name).join(
        latest, (latest.c.process_id == ProcessVersion.process_id) & (latest.c.version == ProcessVersion.version))
        .order_by(ProcessVersion.process_id))
    return [(process_id, name) for process_id, name in rows]
