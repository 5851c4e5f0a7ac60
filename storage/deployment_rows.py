"""Writing a deployment: the bundle's row (its files: ``storage.deployments.add_file``) and a
version of each process in it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import update
from sqlalchemy.orm import Session

from storage.models import Deployment, ProcessVersion


def insert_deployment(session: Session, bundle_hash: str, deployed_by: str, deployed_at: datetime) -> int:
    """Add a deployment; returns its id."""
    deployment = Deployment(bundle_hash=bundle_hash, deployed_by=deployed_by, deployed_at=deployed_at)
    session.add(deployment)
    session.flush()
    return deployment.id


def insert_version(session: Session, deployment_id: int, process_id: str, version: int, name: str | None,
                   spec_json: str) -> None:
    """Add a version of a process (flushed: the next version number and the history read it)."""
    session.add(ProcessVersion(deployment_id=deployment_id, process_id=process_id, version=version, name=name,
                               spec_json=spec_json))
    session.flush()


def record_how_deployed(session: Session, deployment_id: int, versions: dict[str, int], *, deployed_by: str,
                        deployed_at: datetime, approved_by: str | None = None, comment: str | None = None,
                        proposal_id: int | None = None, new_deployment: bool = False) -> None:
    """Stamp the versions a deploy made current with who, when, approved by whom (None: without
    approval) and why; ``new_deployment``: the deploy stored the bundle, which gets the same."""
    how = {"approved_by": approved_by, "comment": comment, "proposal_id": proposal_id}
    for process_id, version in versions.items():
        session.execute(update(ProcessVersion).where(ProcessVersion.deployment_id == deployment_id,
                                                     ProcessVersion.process_id == process_id,
                                                     ProcessVersion.version == version)
                        .values(deployed_by=deployed_by, deployed_at=deployed_at, **how))
    if new_deployment:
        session.execute(update(Deployment).where(Deployment.id == deployment_id).values(**how))
