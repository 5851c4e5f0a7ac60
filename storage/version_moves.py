"""What comparing versions and moving running cases read and write: a process's versions by
number, the active instances of one version (with their saved state, a chunk at a time), which
of them have children still running, and an instance's new version after a move."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, Select, Table, bindparam, select, update
from sqlalchemy.orm import Session

from storage.models import Deployment, Instance, ProcessVersion
from storage.statuses import ACTIVE_INSTANCE

_instances: Table = Instance.__table__  # type: ignore[assignment]
_SET_VERSION = update(_instances).where(_instances.c.id == bindparam("b_id")).values(
    process_version_id=bindparam("b_version_id"))


@dataclass(frozen=True)
class VersionRef:
    """One deployed version of a process."""

    id: int
    process_id: str
    version: int
    deployment_id: int
    deployed_by: str
    deployed_at: datetime


@dataclass(frozen=True)
class ActiveInstance:
    """An instance that has not ended, with its saved state (None: never stepped)."""

    id: int
    status: str
    revision: int
    created_at: datetime
    started_by: str
    state: str | None


def _version_query() -> Select[int, str, int, int, str, datetime]:
    return (select(ProcessVersion.id, ProcessVersion.process_id, ProcessVersion.version,
                   ProcessVersion.deployment_id, Deployment.deployed_by, Deployment.deployed_at)
            .join(Deployment, Deployment.id == ProcessVersion.deployment_id))


def version_by_number(session: Session, process_id: str, version: int) -> VersionRef | None:
    query = _version_query().where(ProcessVersion.process_id == process_id, ProcessVersion.version == version)
    found = session.execute(query).first()
    return VersionRef(**found._mapping) if found is not None else None


def versions_of(session: Session, process_id: str) -> list[VersionRef]:
    """Every version of the process, newest first."""
    query = _version_query().where(ProcessVersion.process_id == process_id)
    return [VersionRef(**row._mapping) for row in session.execute(query.order_by(ProcessVersion.version.desc()))]


def active_instances(session: Session, version_id: int, *, after_id: int = 0, limit: int = 500) -> list[ActiveInstance]:
    """Active instances of the version with an id above ``after_id``, in id order (a chunk)."""
    query = (select(Instance.id, Instance.status, Instance.revision, Instance.created_at, Instance.started_by,
                    Instance.state)
             .where(Instance.process_version_id == version_id, Instance.id > after_id,
                    Instance.status.in_([status.value for status in ACTIVE_INSTANCE]))
             .order_by(Instance.id).limit(limit))
    return [ActiveInstance(**row._mapping) for row in session.execute(query)]


def with_active_children(session: Session, parent_ids: Sequence[int]) -> set[int]:
    """The instances among ``parent_ids`` that have a child still active."""
    if not parent_ids:
        return set()
    query = (select(Instance.parent_id).distinct()
             .where(Instance.parent_id.in_(list(parent_ids)),
                    Instance.status.in_([status.value for status in ACTIVE_INSTANCE])))
    return {int(parent_id) for parent_id in session.execute(query).scalars() if parent_id is not None}


def set_version(conn: Connection, instance_id: int, version_id: int) -> None:
    """The instance runs on ``version_id`` from now on (a move; its state was migrated)."""
    conn.execute(_SET_VERSION, {"b_id": instance_id, "b_version_id": version_id})
