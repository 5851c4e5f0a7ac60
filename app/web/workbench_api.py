"""The workbench's JSON API (issue 12): the process library, drafts (open, read, save, revisions),
proposals (make, approve, send back, withdraw) and roll-backs. Analysts edit and propose, system
administrators decide, everyone signed in reads; the use cases check the roles again."""

from __future__ import annotations

from flask import Blueprint, Flask
from flask.typing import ResponseReturnValue

from app.web.api_models import process_library as library_models
from app.web.api_models import workbench as models
from app.web.api_models.base import DiagramLabels, NoFields
from app.web.api_operation import Reply, operation
from app.web.auth import current_actor, requires
from app.web.current import services
from app.web.i18n import diagram_labels
from app.web.workbench_common import ANALYST, SYSADMIN, answer_refusals, bench
from app.web.workbench_json import process_json, revision_json
from app.workbench import drafts, library, proposals, rollbacks
from storage import drafts as draft_rows

bp = Blueprint("workbench_api", __name__)
answer_refusals(bp)
REFUSED = {422: Reply("the draft has problems the deploy refuses (listed), or a field cannot be taken",
                      models.DraftRefused)}


def register(app: Flask) -> None:
    app.register_blueprint(bp)


@bp.get("/api/processes")
@requires()
@operation("Every deployed process: its versions (how each was deployed, instances running and ended), open "
           "drafts and proposals", replies={200: Reply("the processes, by id", library_models.ProcessList)})
def processes_json() -> ResponseReturnValue:
    with services().db.reading() as session:
        return [process_json(entry) for entry in library.library(session)]


@bp.get("/api/processes/<process_id>/versions/<int:version>/diagram")
@requires()
@operation("A version's BPMN XML (the file of its bundle that defines the process), for the read-only viewer",
           query=DiagramLabels, replies={200: Reply("the diagram", library_models.VersionDiagram)}, refuses=(404,))
def version_diagram_json(process_id: str, version: int, query: DiagramLabels) -> ResponseReturnValue:
    with services().db.reading() as session:
        found = library.version_diagram(session, process_id, version)
    return {"process_id": found.process_id, "version": found.version, "deployment_id": found.deployment_id,
            "file": found.file_name, "xml": diagram_labels(found.xml, query.labels), "highlights": {}}


@bp.post("/api/processes/<process_id>/drafts")
@requires(ANALYST)
@operation("Open a draft of a process (analysts): every file of its running version's bundle, or of "
           "from_version's, as revision 1 with the check's result", body=models.NewDraft, body_required=False,
           replies={201: Reply("the draft", models.DraftCreated), 422: REFUSED[422]}, refuses=(404,))
def new_draft_json(process_id: str, body: models.NewDraft) -> ResponseReturnValue:
    draft_id, revision = drafts.open_draft(bench(), current_actor(), process_id, title=body.title,
                                           from_version=body.from_version)
    return {"draft_id": draft_id, "process_id": process_id, "revision": revision_json(revision)}, 201


@bp.get("/api/drafts/<int:draft_id>")
@requires()
@operation("A draft: its files as last saved, the main file, and that revision with its check result",
           replies={200: Reply("the draft", models.DraftOut)}, refuses=(404,))
def draft_json(draft_id: int) -> ResponseReturnValue:
    with services().db.reading() as session:
        view = drafts.draft_view(session, draft_id)
    return {"draft_id": view.draft.id, "process_id": view.draft.process_id, "title": view.draft.title,
            "status": view.draft.status, "files": view.revision.files, "main_file": view.main_file,
            "revision": revision_json(view.revision)}


@bp.put("/api/drafts/<int:draft_id>")
@requires(ANALYST)
@operation("Save the draft's files as its next revision (analysts); the deploy's check runs on them and its "
           "problems are kept with the revision (a draft with errors is saved, it only cannot be proposed)",
           body=models.DraftSave, replies={200: Reply("the new revision", models.Saved)}, refuses=(404, 409, 422),
           description="base_revision is the revision n the edit started from. When someone saved since, the "
                       "answer is 409 and nothing is stored: their revision stays, and this edit, still in the "
                       "editor, can be saved again with the newer base_revision.")
def save_json(draft_id: int, body: models.DraftSave) -> ResponseReturnValue:
    saved = drafts.save_revision(bench(), current_actor(), draft_id, body.files, body.base_revision)
    return {"revision": revision_json(saved)}


@bp.post("/api/drafts/<int:draft_id>/withdraw")
@requires(ANALYST)
@operation("Give up an open draft (analysts); its revisions stay in the history", body=NoFields,
           body_required=False, refuses=(404, 409), replies={200: Reply("withdrawn", models.DraftWithdrawn)})
def withdraw_draft_json(draft_id: int, body: NoFields) -> ResponseReturnValue:
    return {"status": drafts.withdraw_draft(bench(), current_actor(), draft_id).value}


@bp.get("/api/drafts/<int:draft_id>/revisions")
@requires()
@operation("A draft's revisions, newest first", replies={200: Reply("the revisions", models.RevisionList)},
           refuses=(404,))
def revisions_json(draft_id: int) -> ResponseReturnValue:
    with services().db.reading() as session:
        drafts.draft_view(session, draft_id)  # 404 for an unknown draft
        found = draft_rows.revisions(session, draft_id)
    return [{"n": r.n, "id": r.id, "author": r.author, "saved_at": r.saved_at.isoformat(),
             "has_errors": r.has_errors} for r in found]


@bp.post("/api/drafts/<int:draft_id>/proposals")
@requires(ANALYST)
@operation("Propose the draft's latest revision for deployment (analysts), with a comment; refused while it "
           "has errors", body=models.ProposalIn, replies={201: Reply("proposed", models.ProposalMade), **REFUSED},
           refuses=(404, 409))
def propose_json(draft_id: int, body: models.ProposalIn) -> ResponseReturnValue:
    return {"proposal_id": proposals.propose(bench(), current_actor(), draft_id, body.comment)}, 201


@bp.post("/api/proposals/<int:proposal_id>/approve")
@requires(SYSADMIN)
@operation("Approve a proposal and deploy it (system administrators other than the proposer: four eyes)",
           body=models.Approval, body_required=False, refuses=(404, 409),
           replies={200: Reply("deployed, all or nothing", models.Deployed), **REFUSED})
def approve_json(proposal_id: int, body: models.Approval) -> ResponseReturnValue:
    done = proposals.approve(bench(), current_actor(), proposal_id, body.comment)
    return {"deployment_id": done.deployment_id, "versions": done.versions}


@bp.post("/api/proposals/<int:proposal_id>/send-back")
@requires(SYSADMIN)
@operation("Send a proposal back to its author with an opinion (system administrators); the draft is open again",
           body=models.SendBack, refuses=(404, 409, 422), replies={200: Reply("sent back", models.Decision)})
def send_back_json(proposal_id: int, body: models.SendBack) -> ResponseReturnValue:
    return {"status": proposals.send_back(bench(), current_actor(), proposal_id, body.opinion)}


@bp.post("/api/proposals/<int:proposal_id>/withdraw")
@requires(ANALYST, SYSADMIN)
@operation("Withdraw one's own proposal (its proposer); the draft is open again", body=NoFields,
           body_required=False, refuses=(404, 409), replies={200: Reply("withdrawn", models.Decision)})
def withdraw_json(proposal_id: int, body: NoFields) -> ResponseReturnValue:
    return {"status": proposals.withdraw(bench(), current_actor(), proposal_id)}


@bp.post("/api/processes/<process_id>/rollbacks")
@requires(SYSADMIN)
@operation("Propose running an earlier version again (system administrators); another system administrator "
           "approves it like any proposal", body=models.RollbackIn, refuses=(404, 409),
           replies={201: Reply("proposed", models.ProposalMade), **REFUSED})
def rollback_json(process_id: str, body: models.RollbackIn) -> ResponseReturnValue:
    made = rollbacks.propose_rollback(bench(), current_actor(), process_id, body.version, body.comment)
    return {"proposal_id": made}, 201


