"""Deployments and process versions: the bundles stored once by hash, and which version of each
process new instances start (the highest version number; a rollback adds a new, higher one)."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from sqlalchemy import func, select, tuple_
from sqlalchemy.orm import Session

from storage.models import Deployment, ProcessVersion


@dataclass(frozen=True)
class RunningVersion:
    """The version of a process new instances start, and the deployment its files are in."""

    version: int
    deployment_id: int


def deployment_with_hash(session: Session, digest: str) -> Deployment | None:
    return session.execute(select(Deployment).where(Deployment.bundle_hash == digest)).scalar_one_or_none()


def running_versions(session: Session, process_ids: Collection[str]) -> dict[str, RunningVersion]:
    """Each process's current version (the processes that have none are left out)."""
    latest = (select(ProcessVersion.process_id, func.max(ProcessVersion.version))
              .where(ProcessVersion.process_id.in_(list(process_ids))).group_by(ProcessVersion.process_id))
    rows = session.execute(select(ProcessVersion.process_id, ProcessVersion.version, ProcessVersion.deployment_id)
                           .where(tuple_(ProcessVersion.process_id, ProcessVersion.version).in_(latest)))
    return {pid: RunningVersion(version, deployment_id) for pid, version, deployment_id in rows}


def first_versions_in(session: Session, deployment_id: int) -> dict[str, int]:
    """The version number each process got when the deployment was first made."""
    return dict(session.execute(  # type: ignore[arg-type]
        select(ProcessVersion.process_id, func.min(ProcessVersion.version))
        .where(ProcessVersion.deployment_id == deployment_id).group_by(ProcessVersion.process_id)).all())


def next_version(session: Session, process_id: str) -> int:
    latest = session.execute(select(func.max(ProcessVersion.version))
                             .where(ProcessVersion.process_id == process_id)).scalar_one()
    return int(latest or 0) + 1
