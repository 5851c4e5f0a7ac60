"""Rehearsals of a draft on recorded cases (issue 12 item 5): the JSON API — start one (analysts),
read one (everyone signed in) — and the pages: a draft's rehearsals with the form to start one,
and one rehearsal with its progress bar (the page polls the API while the worker runs it), then
the summary and the per-case table, each case linked to its timeline (the auditors' case page).
Results are stored as data and worded here, in the reader's language."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Flask, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from app.runtime.errors import RuntimeActionError
from app.web.api_models import rehearsals as models
from app.web.api_models import workbench as workbench_models
from app.web.api_operation import Reply, operation
from app.web.auth import current_actor, has_any_role, requires
from app.web.current import services
from app.web.formatting import local_time
from app.web.workbench_common import ANALYST, answer_refusals, bench, message_of
from app.workbench import drafts
from app.workbench.refusals import WorkbenchNotFound
from app.workbench.rehearsal import runs
from app.workbench.rehearsal.scope import DEFAULT_LAST, MAX_CASES
from app.workbench.rehearsal.wording import OUTCOME_LABELS, fact_text, line_text, needs_text
from storage import drafts as draft_rows
from storage import rehearsal_runs
from storage.rehearsal_runs import RehearsalRunRecord

bp = Blueprint("rehearsals", __name__)
answer_refusals(bp)
CASE_PAGE = "/audit/cases/{id}"  # the auditors' timeline of a case (app.web.audit_cases.case_page)


def register(app: Flask) -> None:
    app.register_blueprint(bp)


@bp.post("/api/drafts/<int:draft_id>/rehearsals")
@requires(ANALYST)
@operation("Rehearse the draft's latest revision on recorded cases (analysts): queued for the worker, which "
           "feeds each case's recorded inputs to the draft and keeps the results with the revision",
           body=models.RehearsalIn, body_required=False, refuses=(404,),
           replies={202: Reply("queued: poll GET /api/rehearsals/{run_id}", models.RehearsalQueued),
                    422: Reply("the draft has problems the deploy refuses (listed), or the scope cannot be taken "
                               "(errors names the field: scope.last, scope.from, ...)", workbench_models.DraftRefused)})
def start_json(draft_id: int, body: models.RehearsalIn) -> ResponseReturnValue:
    run_id = runs.request(bench(), current_actor(), draft_id, body.scope)
    return {"run_id": run_id, "status": "queued"}, 202


@bp.get("/api/rehearsals/<int:run_id>")
@requires()
@operation("A rehearsal: its status and progress (done of total cases), then its summary and one row per case "
           "(same outcome, different outcome, or needs an input the case never had), worded in the reader's "
           "language", replies={200: Reply("the rehearsal", models.RehearsalOut)}, refuses=(404,))
def run_json(run_id: int) -> ResponseReturnValue:
    run = runs.run_of(bench(), run_id)
    return run_answer(run, _draft_of(run))


@bp.get("/api/drafts/<int:draft_id>/rehearsals")
@requires()
@operation("A draft's rehearsals, newest first", replies={200: Reply("the rehearsals", models.RehearsalList)},
           refuses=(404,))
def runs_json(draft_id: int) -> ResponseReturnValue:
    with services().db.reading() as session:
        drafts.draft_view(session, draft_id)  # 404 for an unknown draft
        found = rehearsal_runs.runs_of_draft(session, draft_id)
    return {"runs": [run_answer(run, draft_id) for run in found]}


@bp.get("/processes/<process_id>/drafts/<int:draft_id>/rehearsals")
@requires()
def runs_page(process_id: str, draft_id: int) -> ResponseReturnValue:
    with services().db.reading() as session:
        view = _draft_view(session, process_id, draft_id)
        found = rehearsal_runs.runs_of_draft(session, draft_id)
    return render_template("workbench/rehearsals.html", view=view, runs=found, may_rehearse=has_any_role(ANALYST),
                           default_last=DEFAULT_LAST, max_cases=MAX_CASES, local_time=local_time,
                           scope_text=scope_text)


@bp.post("/processes/<process_id>/drafts/<int:draft_id>/rehearsals")
@requires(ANALYST)
def start(process_id: str, draft_id: int) -> ResponseReturnValue:
    here = url_for(".runs_page", process_id=process_id, draft_id=draft_id)
    try:
        run_id = runs.request(bench(), current_actor(), draft_id, _form_scope())
    except RuntimeActionError as exc:
        flash(message_of(exc), "error")
        return redirect(here)
    return redirect(url_for(".run_page", process_id=process_id, draft_id=draft_id, run_id=run_id))


@bp.get("/processes/<process_id>/drafts/<int:draft_id>/rehearsals/<int:run_id>")
@requires()
def run_page(process_id: str, draft_id: int, run_id: int) -> ResponseReturnValue:
    with services().db.reading() as session:
        view = _draft_view(session, process_id, draft_id)
    run = runs.run_of(bench(), run_id)
    if _draft_of(run) != draft_id:
        raise WorkbenchNotFound("There is no rehearsal {id}", id=run_id)
    return render_template("workbench/rehearsal.html", view=view, run=run, answer=run_answer(run, draft_id),
                           local_time=local_time, scope_text=scope_text)


def run_answer(run: RehearsalRunRecord, draft_id: int | None) -> dict[str, Any]:
    summary = None if run.summary is None else [
        {"line": str(line["line"]), "count": int(line["count"]), "text": line_text(line, _)}
        for line in run.summary.get("lines", [])]
    cases = None if run.cases is None else [_case(case) for case in run.cases]
    return {"run_id": run.id, "draft_id": draft_id, "revision_id": run.revision_id, "status": run.status.value,
            "done": run.done, "total": run.total, "requested_by": run.requested_by,
            "requested_at": run.requested_at.isoformat(),
            "finished_at": run.finished_at.isoformat() if run.finished_at else None, "scope": run.scope,
            "error": run.error, "summary": summary, "cases": cases}


def _case(case: dict[str, Any]) -> dict[str, Any]:
    needs = case.get("needs")
    return {"instance_id": case["instance_id"], "customer": case.get("customer"), "outcome": case["outcome"],
            "outcome_text": _(OUTCOME_LABELS[case["outcome"]]),
            "facts": [{"fact": str(fact["fact"]), "text": fact_text(fact, _, local_time)}
                      for fact in case.get("facts") or []],
            "needs": needs_text(needs, _, local_time) if needs else None,
            "case_url": CASE_PAGE.format(id=case["instance_id"])}


def scope_text(scope: dict[str, Any]) -> str:
    if "customers" in scope:
        return _("customers {numbers}").format(numbers=", ".join(scope["customers"][:10]))
    if "from" in scope:
        return _("ended {start} – {end}").format(start=local_time(scope["from"]), end=local_time(scope["to"]))
    return _("the last {count} ended cases").format(count=scope.get("last", DEFAULT_LAST))


def _form_scope() -> dict[str, Any]:
    """The page's form: one of the three kinds, as the API takes it (the use case judges the values)."""
    kind = request.form.get("kind", "last")
    if kind == "customers":
        return {"customers": [n for n in request.form.get("customers", "").replace(",", " ").split() if n]}
    if kind == "range":
        return {"from": request.form.get("from", ""), "to": request.form.get("to", "")}
    last = request.form.get("last", "").strip()
    return {"last": int(last) if last.isdigit() else last or DEFAULT_LAST}


def _draft_of(run: RehearsalRunRecord) -> int | None:
    with services().db.reading() as session:
        found = draft_rows.revision(session, run.revision_id)
    return found.summary.draft_id if found is not None else None


def _draft_view(session: Any, process_id: str, draft_id: int) -> drafts.DraftView:
    view = drafts.draft_view(session, draft_id)
    if view.draft.process_id != process_id:
        raise WorkbenchNotFound("There is no draft {id}", id=draft_id)
    return view
