"""Roll back (issue 12 item 6): a system administrator asks to run an earlier version of a process
again. It becomes a draft holding that version's files and a proposal of it, which another system
administrator approves like any (four eyes); the deploy then makes that earlier bundle current as
a new version on the files already stored (``app.runtime.deployment.deploy``)."""

from __future__ import annotations

from app.runtime.actors import Actor
from app.translations import N_
from app.workbench.context import SYSADMIN, Workbench, require_role
from app.workbench.drafts import store_revision, version_of
from app.workbench.proposals import make_proposal, required_text
from app.workbench.refusals import DraftHasErrors, WorkbenchConflict
from storage import drafts
from storage.deployments import running_versions, stored_files


def propose_rollback(bench: Workbench, actor: Actor, process_id: str, version: int, comment: str) -> int:
    """A proposal to make ``version`` of the process current again; returns its id."""
    require_role(actor, SYSADMIN, N_("Only system administrators roll back a process"))
    text = required_text(comment, "comment")
    with bench.db.transaction() as session:
        version, deployment_id = version_of(session, process_id, version)
        running = running_versions(session, [process_id])[process_id]
        if running.deployment_id == deployment_id:
            raise WorkbenchConflict(N_("{process} v{version} has the files that run now (v{running}): nothing to "
                                       "roll back"), process=process_id, version=version, running=running.version)
        files = {stored.name: stored.content for stored in stored_files(session, deployment_id)}
        draft_id = drafts.insert_draft(session, process_id, f"Roll back {process_id} to v{version}", actor.name,
                                       bench.clock.now(), deployment_id)
        revision = store_revision(bench, session, actor, draft_id, process_id, files, opened_from=version)
        if revision.summary.has_errors:  # the deploy's check has grown since: nothing is written
            raise DraftHasErrors(revision.problems, N_(
                "{process} v{version} no longer passes the deploy's check ({count} problem(s)): it cannot be "
                "deployed again as it is; open a draft from it and fix them"), process=process_id, version=version)
        return make_proposal(bench, session, actor, draft_id, revision.summary.id, text, rollback_to=version)
