"""How each deploy is recorded on the versions it made current: by whom and when, and approved by
whom through which proposal — or without approval (``relayflow deploy FILE``, the start-up seed),
which ``/processes`` shows as such. Every deploy path calls this once, in the deploy's transaction."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from app.runtime.deployment.deploy import NEW, REDEPLOYED, DeployedBundle
from storage.deployment_rows import record_how_deployed


def record_deploys(session: Session, bundles: list[DeployedBundle], *, deployed_by: str, at: datetime,
                   approved_by: str | None = None, comment: str | None = None,
                   proposal_id: int | None = None) -> None:
    """Stamp the versions each bundle made (a new bundle: all of its processes; a re-deployed one:
    those that got a new version); a bundle left unchanged made none."""
    for bundle in bundles:
        if bundle.deployment_id is None or bundle.outcome not in (NEW, REDEPLOYED):
            continue
        made = {pid: version for pid, version in bundle.versions.items()
                if bundle.new or pid in bundle.redeployed_from}
        record_how_deployed(session, bundle.deployment_id, made, deployed_by=deployed_by, deployed_at=at,
                            approved_by=approved_by, comment=comment, proposal_id=proposal_id,
                            new_deployment=bundle.new)
