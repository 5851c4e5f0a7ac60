"""Deployments and process versions: the bundles stored once by hash, and which version of each
process new instances start (the highest version number; a rollback adds a new, higher one)."""

from __future__ import annotations

import hashlib
from collections.abc import Collection
from dataclasses import dataclass

from sqlalchemy import func, select, tuple_
from sqlalchemy.orm import Session

from storage.models import Deployment, DeploymentFile, ProcessVersion


@dataclass(frozen=True)
class RunningVersion:
    """The version of a process new instances start, and the deployment its files are in."""

    version: int
    deployment_id: int


def deployment_with_hash(session: Session, digest: str) -> Deployment | None:
    return session.execute(select(Deployment).where(Deployment.bundle_hash == digest)).scalar_one_or_none()


def bundle_hash_of(session: Session, deployment_id: int) -> str:
    return session.execute(select(Deployment.bundle_hash).where(Deployment.id == deployment_id)).scalar_one()


def running_versions(session: Session, process_ids: Collection[str]) -> dict[str, RunningVersion]:
    """Each process's current version (the processes that have none are left out)."""
    latest = (select(ProcessVersion.process_id, func.max(ProcessVersion.version))
              .where(ProcessVersion.process_id.in_(list(process_ids))).group_by(ProcessVersion.process_id))
    rows = session.execute(select(ProcessVersion.process_id, ProcessVersion.version, ProcessVersion.deployment_id)
                           .where(tuple_(ProcessVersion.process_id, ProcessVersion.version).in_(latest)))
    return {pid: RunningVersion(version, deployment_id) for pid, version, deployment_id in rows}


def first_versions_in(session: Session, deployment_id: int) -> dict[str, int]:
    """The version number each process got when the deployment was first made."""
    return dict(session.execute(
        select(ProcessVersion.process_id, func.min(ProcessVersion.version))
        .where(ProcessVersion.deployment_id == deployment_id).group_by(ProcessVersion.process_id)).all())


def next_version(session: Session, process_id: str) -> int:
    latest = session.execute(select(func.max(ProcessVersion.version))
                             .where(ProcessVersion.process_id == process_id)).scalar_one()
    return int(latest or 0) + 1


@dataclass(frozen=True)
class StoredFile:
    """A deployed BPMN file: its text (what the diagram shows) and its bytes exactly as sent."""

    name: str
    sha256: str  # recorded at deploy: of the bytes as sent
    content: str
    data: bytes

    @property
    def sent_as_utf8(self) -> bool:
        return self.data == self.content.encode("utf-8")


def add_file(session: Session, deployment_id: int, name: str, data: bytes, text: str) -> None:
    """Store a file's text, and its bytes too when they are not that text in UTF-8."""
    raw = None if text.encode("utf-8") == data else data
    session.add(DeploymentFile(deployment_id=deployment_id, name=name, sha256=hashlib.sha256(data).hexdigest(),
                               content=text, raw=raw))


def stored_files(session: Session, deployment_id: int) -> list[StoredFile]:
    """Every file of a deployment, by name."""
    rows = session.execute(select(DeploymentFile.name, DeploymentFile.sha256, DeploymentFile.content,
                                  DeploymentFile.raw)
                           .where(DeploymentFile.deployment_id == deployment_id).order_by(DeploymentFile.name))
    return [StoredFile(name, sha256, content, content.encode("utf-8") if raw is None else bytes(raw))
            for name, sha256, content, raw in rows]
