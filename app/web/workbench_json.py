"""The workbench's records as the JSON API answers them (``app.web.api_models.workbench``)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from app.workbench.library import ProcessEntry
from storage.drafts import DraftSummary, RevisionRecord
from storage.process_library import VersionRow
from storage.proposals import ProposalRecord


def iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.isoformat()


def revision_json(revision: RevisionRecord) -> dict[str, Any]:
    summary = revision.summary
    return {"n": summary.n, "id": summary.id, "author": summary.author, "saved_at": iso(summary.saved_at),
            "problems": revision.problems, "has_errors": summary.has_errors}


def version_json(row: VersionRow) -> dict[str, Any]:
    return {"version": row.version, "deployment_id": row.deployment_id, "bundle_hash": row.bundle_hash,
            "deployed_by": row.deployed_by, "deployed_at": iso(row.deployed_at), "comment": row.comment,
            "approved_by": row.approved_by, "running": row.running, "ended": row.ended}


def draft_brief_json(found: DraftSummary) -> dict[str, Any]:
    latest = found.latest
    return {"draft_id": found.draft.id, "title": found.draft.title, "status": found.draft.status.value,
            "latest_revision": latest.n if latest else None, "author": latest.author if latest else None,
            "saved_at": iso(latest.saved_at) if latest else None, "has_errors": bool(latest and latest.has_errors)}


def proposal_json(proposal: ProposalRecord) -> dict[str, Any]:
    return {"proposal_id": proposal.id, "draft_id": proposal.draft_id, "revision": proposal.revision_n,
            "revision_id": proposal.revision_id, "proposed_by": proposal.proposed_by,
            "proposed_at": iso(proposal.proposed_at), "comment": proposal.comment, "status": proposal.status.value,
            "decided_by": proposal.decided_by, "decided_at": iso(proposal.decided_at), "opinion": proposal.opinion,
            "deployment_id": proposal.deployment_id}


def process_json(entry: ProcessEntry) -> dict[str, Any]:
    return {"process_id": entry.process_id, "name": entry.name, "versions": [version_json(v) for v in entry.versions],
            "drafts": [draft_brief_json(d) for d in entry.drafts],
            "proposals": [proposal_json(p) for p in entry.proposals]}
