"""Deployments: read, validate and lint BPMN files, then store each bundle once as a version.

The unit is the bundle of files that call each other, hashed together; a new hash is a new
version of every process in it. All files are checked before anything is written, and all
bundles are written in one transaction: a bad file leaves nothing half-deployed.
"""

from __future__ import annotations

import hashlib
from collections.abc import Collection, Mapping
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.clock import Clock
from app.runtime import history
from app.runtime.actors import Actor
from app.runtime.deploy_check import check_files
from app.runtime.history import NewEvent
from app.runtime.state import StateCodec
from storage.models import Deployment, DeploymentFile, ProcessVersion

STREAM = "deployments"


@dataclass(frozen=True)
class DeployedBundle:
    deployment_id: int
    files: list[str]
    versions: dict[str, int]
    new: bool


def bundle_hash(files: Mapping[str, bytes]) -> str:
    digest = hashlib.sha256()
    for name in sorted(files):
        digest.update(f"{name}\0{hashlib.sha256(files[name]).hexdigest()}\n".encode())
    return digest.hexdigest()


def deploy(session: Session, codec: StateCodec, clock: Clock, actor: Actor, files: Mapping[str, bytes], *,
           operators: Collection[str], roles: Collection[str],
           validators: Collection[str] | None = None) -> list[DeployedBundle]:
    """Check every file, then store each changed bundle as a new deployment (in this transaction)."""
    bundles = check_files(files, operators=operators, roles=roles, validators=validators)
    return [_store(session, codec, clock, actor, bundle.files, bundle.parser, bundle.process_ids)
            for bundle in bundles]


def _store(session: Session, codec: StateCodec, clock: Clock, actor: Actor, files: Mapping[str, bytes],
           parser: object, process_ids: list[str]) -> DeployedBundle:
    """Store a bundle's files and a version of each of its processes (``bpmn:process`` elements;
    embedded subprocesses travel inside their process's spec)."""
    digest = bundle_hash(files)
    existing = session.execute(select(Deployment).where(Deployment.bundle_hash == digest)).scalar_one_or_none()
    if existing is not None:
        existing_versions = session.execute(
            select(ProcessVersion.process_id, ProcessVersion.version)
            .where(ProcessVersion.deployment_id == existing.id)).all()
        return DeployedBundle(existing.id, sorted(files), dict(existing_versions), new=False)
    now = clock.now()
    deployment = Deployment(bundle_hash=digest, deployed_by=actor.name, deployed_at=now)
    session.add(deployment)
    session.flush()
    for name in sorted(files):
        session.add(DeploymentFile(deployment_id=deployment.id, name=name,
                                   sha256=hashlib.sha256(files[name]).hexdigest(),
                                   content=files[name].decode("utf-8")))
    versions: dict[str, int] = {}
    for process_id in process_ids:
        latest = session.execute(
            select(func.max(ProcessVersion.version)).where(ProcessVersion.process_id == process_id)
        ).scalar_one()
        versions[process_id] = (latest or 0) + 1
        spec = parser.get_spec(process_id)  # type: ignore[attr-defined]
        subprocess_specs = parser.get_subprocess_specs(process_id)  # type: ignore[attr-defined]
        session.add(ProcessVersion(
            deployment_id=deployment.id, process_id=process_id, version=versions[process_id],
            name=spec.description, spec_json=codec.spec_to_json(spec, subprocess_specs),
        ))
    session.flush()
    history.append(session, STREAM, [NewEvent("deployment.created", None, {
        "deployment_id": deployment.id, "bundle_hash": digest, "files": sorted(files), "versions": versions,
    })], actor=actor.name, at=now)
    return DeployedBundle(deployment.id, sorted(files), versions, new=True)
