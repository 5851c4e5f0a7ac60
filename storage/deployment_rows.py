"""Writing a deployment: the bundle's row (its files: ``storage.deployments.add_file``) and a
version of each process in it."""

from __future__ import annotations

from datetime import datetime

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
