"""The process library (issue 12 item 1): every process with its versions (how each was deployed,
its instances running and ended), its open drafts and its proposals; one version's diagram; one
proposal with its revision's check result. Reading only: everyone signed in may look."""

from __future__ import annotations

from dataclasses import dataclass
from itertools import groupby

from sqlalchemy.orm import Session

from app.runtime.deployment.bpmn_source import DeployError, read_bpmn
from app.runtime.engine.parsing import process_ids_defined
from app.translations import N_
from app.workbench.refusals import WorkbenchNotFound
from storage import drafts, process_library, proposals
from storage.deployments import stored_files
from storage.drafts import DraftSummary, RevisionRecord
from storage.process_library import VersionRow
from storage.proposals import ProposalRecord
from storage.statuses import ProposalStatus

DECIDED_SHOWN = 20  # decided proposals listed per process (the history keeps all)


@dataclass(frozen=True)
class ProcessEntry:
    process_id: str
    name: str | None
    versions: list[VersionRow]  # newest first; the first is what new instances start
    drafts: list[DraftSummary]  # open and proposed
    proposals: list[ProposalRecord]  # waiting first, then the latest decided

    @property
    def running_version(self) -> int:
        return self.versions[0].version


@dataclass(frozen=True)
class ProposalView:
    proposal: ProposalRecord
    revision: RevisionRecord
    based_on_version: int | None  # the (newest) version whose files the draft was opened from


@dataclass(frozen=True)
class VersionDiagram:
    process_id: str
    version: int
    deployment_id: int
    file_name: str
    xml: str


def library(session: Session, process_ids: list[str] | None = None) -> list[ProcessEntry]:
    """Every deployed process (or these), by id."""
    rows = process_library.versions(session, process_ids)
    found = {pid: list(group) for pid, group in groupby(rows, key=lambda row: row.process_id)}
    open_drafts = drafts.drafts_of(session, list(found))
    listed = proposals.proposals_of(session, list(found), limit=len(found) * DECIDED_SHOWN + 200)
    return [ProcessEntry(pid, versions[0].name, versions, [d for d in open_drafts if d.draft.process_id == pid],
                         _waiting_first([p for p in listed if p.process_id == pid]))
            for pid, versions in found.items()]


def process_entry(session: Session, process_id: str) -> ProcessEntry:
    found = library(session, [process_id])
    if not found:
        raise WorkbenchNotFound(N_("There is no deployed process {process}"), process=process_id)
    return found[0]


def proposal_view(session: Session, proposal_id: int) -> ProposalView:
    proposal = proposals.proposal(session, proposal_id)
    revision = drafts.revision(session, proposal.revision_id) if proposal is not None else None
    if proposal is None or revision is None:
        raise WorkbenchNotFound(N_("There is no proposal {id}"), id=proposal_id)
    draft = drafts.draft(session, proposal.draft_id)
    based_on = None
    if draft is not None and draft.based_on_deployment_id is not None:
        based_on = next((row.version for row in process_library.versions(session, [proposal.process_id])
                         if row.deployment_id == draft.based_on_deployment_id), None)
    return ProposalView(proposal, revision, based_on)


def version_diagram(session: Session, process_id: str, version: int) -> VersionDiagram:
    """The file of the version's bundle that defines the process, as deployed."""
    deployment_id = process_library.version_deployment(session, process_id, version)
    files = stored_files(session, deployment_id) if deployment_id is not None else []
    for stored in files:
        try:
            defined = process_ids_defined(read_bpmn(stored.name, stored.data))
        except DeployError:
            continue
        if process_id in defined:
            assert deployment_id is not None
            return VersionDiagram(process_id, version, deployment_id, stored.name, stored.content)
    raise WorkbenchNotFound(N_("{process} has no version {version}"), process=process_id, version=version)


def _waiting_first(found: list[ProposalRecord]) -> list[ProposalRecord]:
    waiting = [p for p in found if p.status == ProposalStatus.PROPOSED]
    return waiting + [p for p in found if p.status != ProposalStatus.PROPOSED][:DECIDED_SHOWN]
