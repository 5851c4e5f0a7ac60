"""Proposals (issue 12 item 6): an analyst proposes a draft's latest revision with a comment; a
sysadmin who did not propose it approves it — deploying it with the runtime's all-or-nothing
deploy — or sends it back with an opinion; the proposer may withdraw it. A roll-back is a
proposal whose files are an earlier version's, approved the same way (four eyes again). Each
step is in the ``deployments`` history with who, when, the comment or opinion and the bundle hash."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from app.runtime.actors import Actor
from app.runtime.deployment.bpmn_source import DeployError
from app.runtime.deployment.deploy import bundle_hash, deploy
from app.runtime.events import history
from app.runtime.events.history import NewEvent
from app.translations import N_
from app.workbench.checking import as_problems
from app.workbench.context import ANALYST, DEPLOYMENTS_STREAM, SYSADMIN, Workbench, require_role
from app.workbench.deploys import record_deploys
from app.workbench.drafts import require_open
from app.workbench.refusals import (
    DraftHasErrors,
    WorkbenchConflict,
    WorkbenchForbidden,
    WorkbenchInvalid,
    WorkbenchNotFound,
)
from storage import drafts, proposals
from storage.proposals import ProposalRecord
from storage.statuses import DraftStatus, ProposalStatus

MAX_TEXT = 2000


@dataclass(frozen=True)
class Approved:
    deployment_id: int
    versions: dict[str, int]  # every process of the draft's files → the version new instances now start


def propose(bench: Workbench, actor: Actor, draft_id: int, comment: str) -> int:
    """Propose the draft's latest revision for deployment; refused while it has errors."""
    require_role(actor, ANALYST, N_("Only analysts propose drafts"))
    text = required_text(comment, "comment")
    with bench.db.transaction() as session:
        draft = drafts.draft(session, draft_id, lock=True)
        revision = drafts.latest_revision(session, draft_id) if draft is not None else None
        if draft is None or revision is None:
            raise WorkbenchNotFound(N_("There is no draft {id}"), id=draft_id)
        require_open(draft)
        if revision.summary.has_errors:
            raise DraftHasErrors(revision.problems)
        proposal_id = make_proposal(bench, session, actor, draft_id, revision.summary.id, text)
    return proposal_id


def approve(bench: Workbench, actor: Actor, proposal_id: int, comment: str = "") -> Approved:
    """Deploy the proposal's revision (a sysadmin other than the proposer: four eyes)."""
    require_role(actor, SYSADMIN, N_("Only system administrators approve proposals"))
    opinion = comment.strip()[:MAX_TEXT] or None
    with bench.db.transaction() as session:
        proposal = _waiting(session, proposal_id)
        if proposal.proposed_by == actor.name:
            raise WorkbenchForbidden(N_("Nobody approves their own proposal: another system administrator must "
                                        "approve proposal {id} (four eyes)"), id=proposal_id)
        files = drafts.revision_files(session, proposal.revision_id) or {}
        try:
            bundles = deploy(session, bench.codec, bench.clock, actor, files, operators=bench.operators,
                             roles=bench.roles, validators=bench.validators)
        except DeployError as exc:
            raise DraftHasErrors(as_problems(exc.problems, files), N_(
                "The deploy refuses proposal {id} now ({count} problem(s)): send it back"), id=proposal_id) from None
        now = bench.clock.now()
        record_deploys(session, bundles, deployed_by=actor.name, at=now, approved_by=actor.name,
                       comment=proposal.comment, proposal_id=proposal_id)
        versions = {pid: version for bundle in bundles for pid, version in bundle.versions.items()}
        main = next((b.deployment_id for b in bundles if proposal.process_id in b.versions), None)
        if main is None:  # the check refuses a draft without its process; this guards the rows all the same
            raise WorkbenchConflict(N_("Proposal {id} no longer holds the process {process}"), id=proposal_id,
                                    process=proposal.process_id)
        proposals.decide(session, proposal_id, ProposalStatus.APPROVED, actor.name, now, opinion=opinion,
                         deployment_id=main)
        drafts.set_draft_status(session, proposal.draft_id, DraftStatus.DEPLOYED)
        _event(session, "proposal.approved", actor, now, proposal, {
            "opinion": opinion, "deployment_id": main, "versions": versions,
            "bundle_hash": bundle_hash(files), "outcomes": [b.outcome for b in bundles]})
    return Approved(main, versions)


def send_back(bench: Workbench, actor: Actor, proposal_id: int, opinion: str) -> ProposalStatus:
    """Return the proposal to its author with the sysadmin's opinion; the draft is open again."""
    require_role(actor, SYSADMIN, N_("Only system administrators send proposals back"))
    text = required_text(opinion, "opinion")
    with bench.db.transaction() as session:
        proposal = _waiting(session, proposal_id)
        now = bench.clock.now()
        proposals.decide(session, proposal_id, ProposalStatus.SENT_BACK, actor.name, now, opinion=text)
        drafts.set_draft_status(session, proposal.draft_id, DraftStatus.OPEN)
        _event(session, "proposal.sent_back", actor, now, proposal, {"opinion": text})
    return ProposalStatus.SENT_BACK


def withdraw(bench: Workbench, actor: Actor, proposal_id: int) -> ProposalStatus:
    """The proposer takes the proposal back (to edit the draft again)."""
    with bench.db.transaction() as session:
        proposal = _waiting(session, proposal_id)
        if proposal.proposed_by != actor.name:
            raise WorkbenchForbidden(N_("Only {user}, who made proposal {id}, may withdraw it"),
                                     user=proposal.proposed_by, id=proposal_id)
        now = bench.clock.now()
        proposals.decide(session, proposal_id, ProposalStatus.WITHDRAWN, actor.name, now)
        drafts.set_draft_status(session, proposal.draft_id, DraftStatus.OPEN)
        _event(session, "proposal.withdrawn", actor, now, proposal, {})
    return ProposalStatus.WITHDRAWN


def make_proposal(bench: Workbench, session: Session, actor: Actor, draft_id: int, revision_id: int, comment: str,
                  **extra: Any) -> int:
    """Add a proposal of the revision and mark its draft proposed (in the caller's transaction)."""
    now = bench.clock.now()
    proposal_id = proposals.insert_proposal(session, draft_id, revision_id, actor.name, now, comment)
    drafts.set_draft_status(session, draft_id, DraftStatus.PROPOSED)
    proposal = proposals.proposal(session, proposal_id)
    assert proposal is not None
    files = drafts.revision_files(session, revision_id) or {}
    _event(session, "proposal.made", actor, now, proposal, {"bundle_hash": bundle_hash(files), **extra})
    return proposal_id


def _waiting(session: Session, proposal_id: int) -> ProposalRecord:
    proposal = proposals.proposal(session, proposal_id, lock=True)
    if proposal is None:
        raise WorkbenchNotFound(N_("There is no proposal {id}"), id=proposal_id)
    if proposal.status != ProposalStatus.PROPOSED:
        raise WorkbenchConflict(N_("Proposal {id} was already decided ({status} by {user})"), id=proposal_id,
                                status=proposal.status.value, user=proposal.decided_by or "")
    return proposal


def _event(session: Session, kind: str, actor: Actor, at: Any, proposal: ProposalRecord, data: dict[str, Any]) -> None:
    history.append(session, DEPLOYMENTS_STREAM, [NewEvent(kind, None, {
        "proposal_id": proposal.id, "draft_id": proposal.draft_id, "process_id": proposal.process_id,
        "revision": proposal.revision_n, "revision_id": proposal.revision_id, "proposed_by": proposal.proposed_by,
        "comment": proposal.comment, **data})], actor=actor.name, at=at)


def required_text(value: str, field: str) -> str:
    text = value.strip()
    if not text:
        raise WorkbenchInvalid(field, N_("Say why in the {name}: it is kept in the history"), name=field)
    return text[:MAX_TEXT]
