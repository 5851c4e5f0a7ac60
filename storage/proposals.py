"""Proposals to deploy a draft revision (issue 12 item 6): made by an analyst, decided (approved
and deployed, or sent back with an opinion) by a sysadmin who did not make it."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from storage.statuses import ProposalStatus
from storage.workbench_models import DraftRevision, ProcessDraft, Proposal


@dataclass(frozen=True)
class ProposalRecord:
    id: int
    draft_id: int
    process_id: str
    draft_title: str
    revision_id: int
    revision_n: int
    proposed_by: str
    proposed_at: datetime
    comment: str
    status: ProposalStatus
    decided_by: str | None
    decided_at: datetime | None
    opinion: str | None
    deployment_id: int | None


_COLUMNS = (Proposal.id, Proposal.draft_id, ProcessDraft.process_id, ProcessDraft.title, Proposal.revision_id,
            DraftRevision.n, Proposal.proposed_by, Proposal.proposed_at, Proposal.comment, Proposal.status,
            Proposal.decided_by, Proposal.decided_at, Proposal.opinion, Proposal.deployment_id)


def _query() -> Any:
    return (select(*_COLUMNS).join(ProcessDraft, ProcessDraft.id == Proposal.draft_id)
            .join(DraftRevision, DraftRevision.id == Proposal.revision_id))


def _record(row: Any) -> ProposalRecord:
    values = list(row)
    values[9] = ProposalStatus(values[9])
    return ProposalRecord(*values)


def insert_proposal(session: Session, draft_id: int, revision_id: int, proposed_by: str, proposed_at: datetime,
                    comment: str) -> int:
    """Add a proposal waiting for a decision; returns its id."""
    proposal = Proposal(draft_id=draft_id, revision_id=revision_id, proposed_by=proposed_by, proposed_at=proposed_at,
                        comment=comment, status=ProposalStatus.PROPOSED)
    session.add(proposal)
    session.flush()
    return proposal.id


def proposal(session: Session, proposal_id: int, *, lock: bool = False) -> ProposalRecord | None:
    """A proposal; ``lock``: hold its row until commit (two sysadmins deciding at once: one waits,
    then sees the other's decision)."""
    if lock:
        session.execute(select(Proposal.id).where(Proposal.id == proposal_id).with_for_update())
    row = session.execute(_query().where(Proposal.id == proposal_id)).first()
    return None if row is None else _record(row)


def decide(session: Session, proposal_id: int, status: ProposalStatus, decided_by: str, decided_at: datetime, *,
           opinion: str | None = None, deployment_id: int | None = None) -> None:
    session.execute(update(Proposal).where(Proposal.id == proposal_id).values(
        status=status.value, decided_by=decided_by, decided_at=decided_at, opinion=opinion,
        deployment_id=deployment_id))


def proposals_of(session: Session, process_ids: Collection[str] | None = None,
                 statuses: Collection[ProposalStatus] | None = None, *, draft_id: int | None = None,
                 limit: int = 200) -> list[ProposalRecord]:
    """Proposals (of these processes / this draft, in these statuses; None: any), newest first."""
    query = _query()
    if process_ids is not None:
        query = query.where(ProcessDraft.process_id.in_(list(process_ids)))
    if statuses is not None:
        query = query.where(Proposal.status.in_([status.value for status in statuses]))
    if draft_id is not None:
        query = query.where(Proposal.draft_id == draft_id)
    return [_record(row) for row in session.execute(query.order_by(Proposal.id.desc()).limit(limit))]


def open_proposal_of(session: Session, draft_id: int) -> ProposalRecord | None:
    """The draft's proposal still waiting for a decision, if any."""
    found = proposals_of(session, statuses=(ProposalStatus.PROPOSED,), draft_id=draft_id, limit=1)
    return found[0] if found else None
