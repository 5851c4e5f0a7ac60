"""The process library (issue 12 item 1): every process's versions with how each was deployed and
how many instances run and ended on it."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from storage.models import Deployment, Instance, ProcessVersion
from storage.statuses import ACTIVE_INSTANCE, ENDED_INSTANCE


@dataclass(frozen=True)
class VersionRow:
    """One version of a process: its bundle, who made it current, when, why, approved by whom
    (None: deployed without approval), and its instances."""

    process_id: str
    name: str | None
    version: int
    deployment_id: int
    bundle_hash: str
    deployed_by: str
    deployed_at: datetime
    comment: str | None
    approved_by: str | None
    proposal_id: int | None
    running: int
    ended: int


def versions(session: Session, process_ids: Collection[str] | None = None) -> list[VersionRow]:
    """Every version (of these processes; None: of all), by process, newest version first."""
    counts = (select(Instance.process_version_id.label("pv"),
                     func.sum(case((Instance.status.in_(list(ACTIVE_INSTANCE)), 1), else_=0)).label("running"),
                     func.sum(case((Instance.status.in_(list(ENDED_INSTANCE)), 1), else_=0)).label("ended"))
              .group_by(Instance.process_version_id).subquery())
    query = (select(ProcessVersion.process_id, ProcessVersion.name, ProcessVersion.version,
                    ProcessVersion.deployment_id, Deployment.bundle_hash, ProcessVersion.deployed_by,
                    ProcessVersion.deployed_at, ProcessVersion.comment, ProcessVersion.approved_by,
                    ProcessVersion.proposal_id, Deployment.deployed_by, Deployment.deployed_at, Deployment.comment,
                    Deployment.approved_by, Deployment.proposal_id, counts.c.running, counts.c.ended)
             .join(Deployment, Deployment.id == ProcessVersion.deployment_id)
             .outerjoin(counts, counts.c.pv == ProcessVersion.id)
             .order_by(ProcessVersion.process_id, ProcessVersion.version.desc()))
    if process_ids is not None:
        query = query.where(ProcessVersion.process_id.in_(list(process_ids)))
    found = []
    for row in session.execute(query):
        # A version never stamped (made before the workbench, or by a bare ``deploy()``) is as its bundle was.
        how: tuple[Any, ...] = tuple(row[5:10] if row[5] is not None else row[10:15])
        found.append(VersionRow(row[0], row[1], row[2], row[3], row[4], deployed_by=how[0], deployed_at=how[1],
                                comment=how[2], approved_by=how[3], proposal_id=how[4], running=int(row[15] or 0),
                                ended=int(row[16] or 0)))
    return found


def version_deployment(session: Session, process_id: str, version: int) -> int | None:
    """The deployment whose files version ``version`` of the process runs; None: no such version."""
    return session.execute(select(ProcessVersion.deployment_id).where(
        ProcessVersion.process_id == process_id, ProcessVersion.version == version)).scalar_one_or_none()
