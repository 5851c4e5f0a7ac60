"""Incidents as the runtime writes them: opened by a failed step, resolved by an operator's retry."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, Table, bindparam, insert, select, update

from storage.models import Incident

_incidents: Table = Incident.__table__  # type: ignore[assignment]
_OPEN = _incidents.c.resolved_at.is_(None)


@dataclass(frozen=True)
class OpenIncident:
    id: int
    task_id: str  # '' when the step failed outside any task
    element_id: str | None


_INSERT = insert(_incidents)
_ANY_OPEN = select(_incidents.c.id).where(_incidents.c.instance_id == bindparam("b_instance_id"), _OPEN).limit(1)
_ALL_OPEN = (select(_incidents.c.id, _incidents.c.task_id, _incidents.c.element_id)
             .where(_incidents.c.instance_id == bindparam("b_instance_id"), _OPEN).order_by(_incidents.c.id))
_RESOLVE = (update(_incidents).where(_incidents.c.instance_id == bindparam("b_instance_id"), _OPEN)
            .values(resolved_at=bindparam("b_at"), resolved_by=bindparam("b_by")))


def open_incident(conn: Connection, instance_id: int, task_id: str, element_id: str | None, error: str,
                  now: datetime) -> None:
    conn.execute(_INSERT, {"instance_id": instance_id, "task_id": task_id, "element_id": element_id,
                           "error": error, "created_at": now})


def has_open(conn: Connection, instance_id: int) -> bool:
    return conn.execute(_ANY_OPEN, {"b_instance_id": instance_id}).first() is not None


def resolve_open(conn: Connection, instance_id: int, now: datetime, by: str) -> list[OpenIncident]:
    """Mark every open incident of the instance resolved; returns them, oldest first."""
    resolved = [OpenIncident(**row._mapping) for row in conn.execute(_ALL_OPEN, {"b_instance_id": instance_id})]
    if resolved:
        conn.execute(_RESOLVE, {"b_instance_id": instance_id, "b_at": now, "b_by": by})
    return resolved
