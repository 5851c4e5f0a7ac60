"""The workbench's pages (issue 12): the process library, one process (versions, drafts,
proposals; new draft, roll back), one version's diagram, one proposal (its check result, links to
compare and rehearse, approve / send back / withdraw). The modeler page of a draft is
``/processes/<id>/drafts/<draft>`` (the modeler's blueprint). The JSON API is ``workbench_api``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Blueprint, Flask, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from app.runtime.errors import RuntimeActionError
from app.web import workbench_api
from app.web.auth import current_actor, has_any_role, requires
from app.web.current import services
from app.web.formatting import local_time
from app.web.rehearsals import run_answer
from app.web.workbench_common import ANALYST, SYSADMIN, answer_refusals, bench, message_of
from app.workbench import drafts, library, proposals, rollbacks
from storage import rehearsal_runs
from storage.statuses import ProposalStatus

bp = Blueprint("workbench", __name__)
answer_refusals(bp)
PROPOSAL_BADGES = {"proposed": "warn", "approved": "ok", "sent_back": "bad", "withdrawn": ""}


def register(app: Flask) -> None:
    app.register_blueprint(bp)
    workbench_api.register(app)


def modeler_url(process_id: str, draft_id: int) -> str:
    """The draft's modeler page (the modeler's blueprint serves it)."""
    return f"/processes/{process_id}/drafts/{draft_id}"


@bp.get("/processes")
@requires()
def library_page() -> ResponseReturnValue:
    with services().db.reading() as session:
        entries = library.library(session)
    return render_template("workbench/library.html", entries=entries, **_helpers())


@bp.get("/processes/<process_id>")
@requires()
def process_page(process_id: str) -> ResponseReturnValue:
    with services().db.reading() as session:
        entry = library.process_entry(session, process_id)
    return render_template("workbench/process.html", entry=entry, may_edit=has_any_role(ANALYST),
                           may_decide=has_any_role(SYSADMIN), **_helpers())


@bp.get("/processes/<process_id>/versions/<int:version>")
@requires()
def version_page(process_id: str, version: int) -> ResponseReturnValue:
    with services().db.reading() as session:
        entry = library.process_entry(session, process_id)
        diagram = library.version_diagram(session, process_id, version)
    row = next(row for row in entry.versions if row.version == version)
    return render_template("workbench/version.html", entry=entry, row=row, diagram=diagram, **_helpers())


@bp.post("/processes/<process_id>/drafts")
@requires(ANALYST)
def new_draft(process_id: str) -> ResponseReturnValue:
    chosen = request.form.get("from_version", "")

    def opened() -> ResponseReturnValue:
        draft_id, _revision = drafts.open_draft(bench(), current_actor(), process_id,
                                                title=request.form.get("title", ""),
                                                from_version=int(chosen) if chosen.isdigit() else None)
        flash(_("Draft {id} opened.").format(id=draft_id), "success")
        return redirect(modeler_url(process_id, draft_id))

    return _acting(opened, url_for(".process_page", process_id=process_id))


@bp.post("/processes/<process_id>/rollbacks")
@requires(SYSADMIN)
def rollback(process_id: str) -> ResponseReturnValue:
    chosen = request.form.get("version", "")

    def proposed() -> ResponseReturnValue:
        if not chosen.isdigit():
            flash(_("Choose the version to roll back to."), "error")
            return redirect(url_for(".process_page", process_id=process_id))
        made = rollbacks.propose_rollback(bench(), current_actor(), process_id, int(chosen),
                                          request.form.get("comment", ""))
        flash(_("Roll-back proposed: another system administrator approves it."), "success")
        return redirect(_proposal_url(process_id, made))

    return _acting(proposed, url_for(".process_page", process_id=process_id))


@bp.get("/processes/<process_id>/proposals/<int:proposal_id>")
@requires()
def proposal_page(process_id: str, proposal_id: int) -> ResponseReturnValue:
    with services().db.reading() as session:
        view = library.proposal_view(session, proposal_id)
        entry = library.process_entry(session, view.proposal.process_id)
        rehearsal = rehearsal_runs.latest_done_of_revision(session, view.proposal.revision_id)
    if view.proposal.process_id != process_id:
        return redirect(_proposal_url(view.proposal.process_id, proposal_id))
    me = current_actor().name
    waiting = view.proposal.status == ProposalStatus.PROPOSED
    return render_template(
        "workbench/proposal.html", view=view, p=view.proposal, entry=entry, waiting=waiting,
        may_decide=waiting and has_any_role(SYSADMIN) and view.proposal.proposed_by != me,
        own=view.proposal.proposed_by == me, draft_url=modeler_url(process_id, view.proposal.draft_id),
        rehearsal=rehearsal, rehearsal_summary=None if rehearsal is None else run_answer(rehearsal, None)["summary"],
        **_helpers())


@bp.post("/processes/<process_id>/proposals/<int:proposal_id>/approve")
@requires(SYSADMIN)
def approve(process_id: str, proposal_id: int) -> ResponseReturnValue:
    def approved() -> ResponseReturnValue:
        done = proposals.approve(bench(), current_actor(), proposal_id, request.form.get("comment", ""))
        flash(_("Approved and deployed: {versions}.").format(versions=", ".join(
            f"{pid} v{version}" for pid, version in sorted(done.versions.items()))), "success")
        return redirect(_proposal_url(process_id, proposal_id))

    return _acting(approved, _proposal_url(process_id, proposal_id))


@bp.post("/processes/<process_id>/proposals/<int:proposal_id>/send-back")
@requires(SYSADMIN)
def send_back(process_id: str, proposal_id: int) -> ResponseReturnValue:
    def sent() -> ResponseReturnValue:
        proposals.send_back(bench(), current_actor(), proposal_id, request.form.get("opinion", ""))
        flash(_("Sent back to its author with your opinion."), "success")
        return redirect(_proposal_url(process_id, proposal_id))

    return _acting(sent, _proposal_url(process_id, proposal_id))


@bp.post("/processes/<process_id>/proposals/<int:proposal_id>/withdraw")
@requires(ANALYST, SYSADMIN)
def withdraw(process_id: str, proposal_id: int) -> ResponseReturnValue:
    def withdrawn() -> ResponseReturnValue:
        proposals.withdraw(bench(), current_actor(), proposal_id)
        flash(_("Proposal withdrawn: the draft is open again."), "success")
        return redirect(_proposal_url(process_id, proposal_id))

    return _acting(withdrawn, _proposal_url(process_id, proposal_id))


def _proposal_url(process_id: str, proposal_id: int) -> str:
    return url_for(".proposal_page", process_id=process_id, proposal_id=proposal_id)


def _acting(act: Callable[[], ResponseReturnValue], back: str) -> ResponseReturnValue:
    """Do a form's action; a refusal is shown on the page the form came from (nothing was changed)."""
    try:
        return act()
    except RuntimeActionError as exc:
        if exc.status_code == 404:
            raise
        flash(message_of(exc), "error")
        problems = getattr(exc, "problems", None)
        if problems:
            flash("; ".join(f"{p['file']}:{p['line'] or '?'} [{p['element_id'] or '-'}] {p['message']}"
                            for p in problems[:5]), "error")
        return redirect(back)


def _helpers() -> dict[str, Any]:
    return {"local_time": local_time, "proposal_badges": PROPOSAL_BADGES, "modeler_url": modeler_url}
