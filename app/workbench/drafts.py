"""Drafts: open one from a deployed version of a process (every file of its bundle: files that
call each other are edited and deployed together), save revisions — each checked by the deploy's
own check and kept, errors and all — and read them back. A save names the revision it was made
on: if someone saved since, it is refused (409) and both edits survive (theirs stored, this one
still in the editor to save again on top)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from app.runtime.actors import Actor
from app.runtime.deployment.bpmn_source import DeployError, read_bpmn
from app.runtime.deployment.deploy import bundle_hash
from app.runtime.engine.parsing import process_ids_defined
from app.runtime.events import history
from app.runtime.events.history import NewEvent
from app.translations import N_
from app.workbench.checking import Problem, check_draft, has_errors, require_file_names
from app.workbench.context import ANALYST, DEPLOYMENTS_STREAM, Workbench, require_role
from app.workbench.refusals import WorkbenchConflict, WorkbenchInvalid, WorkbenchNotFound
from storage import drafts, process_library
from storage.deployments import running_versions, stored_files
from storage.drafts import DraftRecord, RevisionRecord
from storage.statuses import DraftStatus

MAX_TITLE = 200
EDITS = N_("Only analysts edit drafts")


@dataclass(frozen=True)
class DraftView:
    """A draft with its latest revision's files and check result, as the modeler opens it."""

    draft: DraftRecord
    revision: RevisionRecord
    main_file: str


def open_draft(bench: Workbench, actor: Actor, process_id: str, *, title: str | None = None,
               from_version: int | None = None) -> tuple[int, RevisionRecord]:
    """A new draft holding every file of the version's bundle (default: the version that runs) as
    its revision 1; returns the draft's id and that revision."""
    require_role(actor, ANALYST, EDITS)
    with bench.db.transaction() as session:
        version, deployment_id = version_of(session, process_id, from_version)
        files = {stored.name: stored.content for stored in stored_files(session, deployment_id)}
        name = (title or "").strip()[:MAX_TITLE] or f"{process_id} v{version}"
        draft_id = drafts.insert_draft(session, process_id, name, actor.name, bench.clock.now(), deployment_id)
        saved = store_revision(bench, session, actor, draft_id, process_id, files, opened_from=version)
    return draft_id, saved


def save_revision(bench: Workbench, actor: Actor, draft_id: int, files: dict[str, str],
                  base_revision: int) -> RevisionRecord:
    """Store the files as the draft's next revision with what the check finds in them (a draft
    with errors is kept: it only cannot be proposed)."""
    require_role(actor, ANALYST, EDITS)
    require_file_names(files)
    with bench.db.transaction() as session:
        draft = drafts.draft(session, draft_id, lock=True)
        if draft is None:
            raise WorkbenchNotFound(N_("There is no draft {id}"), id=draft_id)
        require_open(draft)
        latest = drafts.latest_revision(session, draft_id)
        latest_n = latest.summary.n if latest is not None else 0
        if base_revision != latest_n:
            if latest is None or base_revision > latest_n:
                raise WorkbenchInvalid("base_revision", N_("The draft has no revision {n}; its latest is {latest}"),
                                       n=base_revision, latest=latest_n)
            raise WorkbenchConflict(
                N_("{author} saved revision {latest} of this draft since you opened revision {n}: your edit is not "
                   "saved yet. Compare, or save it again on top of revision {latest} (theirs stays in the history)."),
                author=latest.summary.author, latest=latest_n, n=base_revision)
        return store_revision(bench, session, actor, draft_id, draft.process_id, files)


def require_open(draft: DraftRecord) -> None:
    if draft.status == DraftStatus.PROPOSED:
        raise WorkbenchConflict(N_("Draft {id} is proposed for deployment: withdraw the proposal to edit it"),
                                id=draft.id)
    if draft.status != DraftStatus.OPEN:
        raise WorkbenchConflict(N_("Draft {id} is {status}: open a new draft to change the process"),
                                id=draft.id, status=draft.status.value)


def draft_view(session: Session, draft_id: int) -> DraftView:
    """The draft and its latest revision (404 when there is none)."""
    draft = drafts.draft(session, draft_id)
    revision = drafts.latest_revision(session, draft_id) if draft is not None else None
    if draft is None or revision is None:
        raise WorkbenchNotFound(N_("There is no draft {id}"), id=draft_id)
    return DraftView(draft, revision, main_file(revision.files, draft.process_id))


def main_file(files: dict[str, str], process_id: str) -> str:
    """The file that defines the process (else the first by name)."""
    for name in sorted(files):
        try:
            if process_id in process_ids_defined(read_bpmn(name, files[name].encode("utf-8"))):
                return name
        except DeployError:
            continue
    return sorted(files)[0]


def version_of(session: Session, process_id: str, version: int | None) -> tuple[int, int]:
    """(version, its deployment): the one asked for, else the one new instances start."""
    if version is None:
        running = running_versions(session, [process_id]).get(process_id)
        if running is None:
            raise WorkbenchNotFound(N_("There is no deployed process {process}"), process=process_id)
        return running.version, running.deployment_id
    deployment_id = process_library.version_deployment(session, process_id, version)
    if deployment_id is None:
        raise WorkbenchNotFound(N_("{process} has no version {version}"), process=process_id, version=version)
    return version, deployment_id


def store_revision(bench: Workbench, session: Session, actor: Actor, draft_id: int, process_id: str,
                   files: dict[str, str], *, opened_from: int | None = None) -> RevisionRecord:
    """Check the files and store them as the draft's next revision, in the history too."""
    problems: list[Problem] = check_draft(bench, process_id, files)
    now = bench.clock.now()
    summary = drafts.insert_revision(session, draft_id, actor.name, now, files, problems, has_errors(problems))
    data: dict[str, Any] = {"draft_id": draft_id, "process_id": process_id, "revision": summary.n,
                            "revision_id": summary.id, "files": sorted(files), "has_errors": summary.has_errors,
                            "problems": len(problems),
                            "bundle_hash": bundle_hash({n: t.encode("utf-8") for n, t in files.items()})}
    if opened_from is not None:
        data["opened_from_version"] = opened_from
    kind = "draft.opened" if opened_from is not None else "draft.saved"
    history.append(session, DEPLOYMENTS_STREAM, [NewEvent(kind, None, data)], actor=actor.name, at=now)
    return RevisionRecord(summary, dict(files), problems)
