"""The process library's answers (issue 12 item 1): every process with its versions (how each was
deployed, its instances), its open drafts and proposals; a version's diagram for the viewer."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import ConfigDict, Field, RootModel

from app.web.api_models.base import Answer
from app.web.api_models.workbench import AT, EXAMPLE_BPMN, DraftState, ProposalState

VERSION: dict[str, Any] = {"version": 2, "deployment_id": 4, "bundle_hash": "3f1c0e9a" + "0" * 56,
                           "deployed_by": "sam", "deployed_at": AT, "comment": "retry wait 2 h → 45 min",
                           "approved_by": "sam", "running": 3, "ended": 41}


class VersionOut(Answer):
    version: int
    deployment_id: int
    bundle_hash: str
    deployed_by: str
    deployed_at: datetime
    comment: str | None
    approved_by: str | None = Field(description="null: deployed without approval (relayflow deploy, start-up seed)")
    running: int = Field(description="instances on this version not ended")
    ended: int


class DraftBrief(Answer):
    draft_id: int
    title: str
    status: DraftState  # type: ignore[valid-type]
    latest_revision: int | None
    author: str | None
    saved_at: datetime | None
    has_errors: bool


class ProposalOut(Answer):
    proposal_id: int
    draft_id: int
    revision: int = Field(description="the draft revision n proposed")
    revision_id: int
    proposed_by: str
    proposed_at: datetime
    comment: str
    status: ProposalState  # type: ignore[valid-type]
    decided_by: str | None
    decided_at: datetime | None
    opinion: str | None
    deployment_id: int | None


class ProcessOut(Answer):
    process_id: str
    name: str | None
    versions: list[VersionOut] = Field(description="newest first: the first is what new instances start")
    drafts: list[DraftBrief] = Field(description="open and proposed drafts")
    proposals: list[ProposalOut] = Field(description="waiting first, then the latest decided")


class ProcessList(RootModel[list[ProcessOut]]):
    """Every deployed process."""

    model_config = ConfigDict(json_schema_extra={"examples": [[
        {"process_id": "reconnect", "name": "Remote reconnection", "versions": [VERSION],
         "drafts": [{"draft_id": 3, "title": "Retry wait 45 min", "status": "open", "latest_revision": 2,
                     "author": "ana", "saved_at": AT, "has_errors": True}],
         "proposals": [{"proposal_id": 5, "draft_id": 2, "revision": 1, "revision_id": 4, "proposed_by": "ana",
                        "proposed_at": AT, "comment": "retry wait 2 h → 45 min", "status": "approved",
                        "decided_by": "sam", "decided_at": AT, "opinion": None, "deployment_id": 4}]}]]})


class VersionDiagram(Answer):
    """A version's diagram for the read-only viewer (no highlights: no instance)."""

    model_config = ConfigDict(json_schema_extra={"examples": [
        {"process_id": "reconnect", "version": 2, "deployment_id": 4, "file": "reconnect.bpmn", "xml": EXAMPLE_BPMN,
         "highlights": {}}]})

    process_id: str
    version: int
    deployment_id: int
    file: str
    xml: str
    highlights: dict[str, list[Any]]
