"""The inbox: open user tasks by tab ("my tasks", "my groups' tasks", and for approvers and system
administrators "all open tasks"), filtered, ordered and paged by ``storage.task_list``; claim,
unclaim and reassign through the runtime's ``Inbox``, which holds the rules. HTML and JSON.

Page forms post to ``/tasks/<id>/<action>`` with the page's own query string, so a success
redirects back to the same view and a refusal re-renders it with the message and its 4xx code.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import Blueprint, Flask, flash, redirect, render_template, request
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from app.runtime.actors import Actor
from app.runtime.errors import NotFound, RuntimeActionError
from app.web import current
from app.web.api_models.base import NoFields
from app.web.api_models.inbox import InboxTask, Reassignment, TaskList, TaskListArgs
from app.web.api_operation import Reply, operation, read_query
from app.web.auth import current_actor, requires
from app.web.case_outcome import case_message
from app.web.inbox_rows import (
    TASK_ID_SLOT,
    kept_args,
    page_rows,
    query_from_request,
    rows_json,
    scope,
    tabs_for,
    task_label,
    task_query,
    task_url,
)
from app.web.query_args import url_with_args
from app.web.reader_scope import is_reader, refuse_others_task
from storage import task_list
from storage.task_list import GROUPS, MINE

bp = Blueprint("inbox", __name__)
Said = Callable[[str, str], str]  # (the case, the task) → what was done, in the reader's language


def register(app: Flask) -> None:
    app.register_blueprint(bp)


# -- the page -----------------------------------------------------------------------------------

@bp.get("/tasks")
@requires()
def page() -> ResponseReturnValue:
    return _render_page()


def _render_page(status: int = 200) -> ResponseReturnValue:
    services, actor = current.services(), current_actor()
    policy, now = services.inbox.policy, services.clock.now()
    tabs = tabs_for(actor, policy)
    args = read_query(TaskListArgs)
    with services.db.reading() as session:
        reader = is_reader(session, actor)
        base = scope(actor, args, reader=reader)
        counts = task_list.count_tabs(session, task_list.Viewer(actor.name, actor.roles), tabs, base,
                                      now)  # each tab's size, in the reader's scope
        query = task_query(actor, policy, MINE if counts[MINE] else GROUPS, args, reader=reader)
        unfiltered = query.filters == base
        listed = task_list.list_tasks(session, query, now, total=counts[query.tab] if unfiltered else None)
        choices = task_list.choices(session)
        reassignable = task_list.users_holding(session, {r.task.lane for r in listed.rows if r.task.lane})
    action_urls = {action: url_with_args(f"inbox.{action}_form", kept_args(query), task_id=TASK_ID_SLOT)
                   for action in ("claim", "unclaim", "reassign")}
    rows = page_rows(listed.rows, actor, policy, dict(choices.processes), action_urls, now, reader=reader)
    return render_template("inbox/page.html", query=query, listed=listed, rows=rows, tabs=tabs, counts=counts,
                           choices=choices, reassignable=reassignable, kept_args=kept_args,
                           url_with_args=url_with_args, task_label=task_label, reader=reader), status


# -- page actions: redirect back on success, the page with the refusal otherwise --------------

@bp.post("/tasks/<task_id>/claim")
@requires()
def claim_form(task_id: str) -> ResponseReturnValue:
    """Claiming takes the person to the task's form: they claimed it to do it."""
    def claim(actor: Actor) -> Said:
        _refuse_others_task(task_id, actor)
        current.services().inbox.claim(task_id, actor)
        return lambda case, task: _("{case}: “{task}” claimed; it is yours now.").format(case=case, task=task)
    return _act(task_id, claim, then=task_url(task_id))


@bp.post("/tasks/<task_id>/unclaim")
@requires()
def unclaim_form(task_id: str) -> ResponseReturnValue:
    def unclaim(actor: Actor) -> Said:
        current.services().inbox.unclaim(task_id, actor)
        return lambda case, task: _("{case}: “{task}” released to its group.").format(case=case, task=task)
    return _act(task_id, unclaim)


@bp.post("/tasks/<task_id>/reassign")
@requires()
def reassign_form(task_id: str) -> ResponseReturnValue:
    def reassign(actor: Actor) -> Said:
        to = request.form.get("to", "").strip()
        if not to:
            raise RuntimeActionError(_("Choose whom to reassign the task to."))
        current.services().inbox.reassign(task_id, to, actor)
        return lambda case, task: _("{case}: “{task}” reassigned to {user}.").format(case=case, task=task, user=to)
    return _act(task_id, reassign)


def _act(task_id: str, action: Callable[[Actor], Said], then: str | None = None) -> ResponseReturnValue:
    """Do it and go on (``then``, else back to the same view) with a message naming the case and what
    happens next; a refusal shows that view with the message and its 4xx."""
    services, actor = current.services(), current_actor()
    with services.db.reading() as session:
        reader = is_reader(session, actor)
        row = task_list.find_task(session, task_id)
    query = query_from_request(actor, services.inbox.policy, GROUPS, reader=reader)  # a bad view argument: 400 first
    try:
        done = action(actor)
    except RuntimeActionError as refused:
        flash(str(refused), "error")
        return _render_page(refused.status_code)
    if row is None:  # cannot be: the action found the task open
        raise NotFound(f"task {task_id} is not open any more")
    task = task_label(row.task.element_id, row.task.name)
    flash(case_message(row.task.instance_id, lambda case: done(case, task)), "success")
    return redirect(then or url_with_args("inbox.page", kept_args(query)), code=303)


# -- JSON ---------------------------------------------------------------------------------------

TASK_NOW = {200: Reply("the task as the inbox now lists it", InboxTask)}


@bp.get("/api/tasks")
@requires()
@operation("Open user tasks: one tab of the inbox, filtered, ordered and paged", query=TaskListArgs,
           replies={200: Reply("one page of tasks", TaskList)})
def api_list(query: TaskListArgs) -> ResponseReturnValue:
    services, actor = current.services(), current_actor()
    policy, now = services.inbox.policy, services.clock.now()
    with services.db.reading() as session:
        wanted = task_query(actor, policy, GROUPS, query, reader=is_reader(session, actor))
        listed = task_list.list_tasks(session, wanted, now)
        names = task_list.process_names(session)
    filters = wanted.filters
    return {
        "tab": wanted.tab, "sort": wanted.sort,
        "filters": {"process": filters.process, "task": filters.task, "segment": filters.segment,
                    "customer": filters.customer, "overdue": filters.overdue},
        "rows": rows_json(listed.rows, actor, policy, names, now),
        "total": listed.total, "page": listed.page, "size": listed.size, "pages": listed.pages,
    }


@bp.post("/api/tasks/<task_id>/claim")
@requires()
@operation("Claim an unclaimed task of your lane (409 'already claimed by X' if someone was quicker)",
           body=NoFields, body_required=False, replies=TASK_NOW, refuses=(404, 409))
def api_claim(task_id: str, body: NoFields) -> ResponseReturnValue:
    _refuse_others_task(task_id, current_actor())
    current.services().inbox.claim(task_id, current_actor())
    return _task_json(task_id)


@bp.post("/api/tasks/<task_id>/unclaim")
@requires()
@operation("Release a task: your own, or as a supervisor (a system administrator, or an approver in the lane)",
           body=NoFields, body_required=False, replies=TASK_NOW, refuses=(404, 409))
def api_unclaim(task_id: str, body: NoFields) -> ResponseReturnValue:
    current.services().inbox.unclaim(task_id, current_actor())
    return _task_json(task_id)


@bp.post("/api/tasks/<task_id>/reassign")
@requires()
@operation("Give a task to a user holding its lane's role: its claimant may hand it on; taking it from someone "
           "else needs a supervisor", body=Reassignment, replies=TASK_NOW, refuses=(404, 409))
def api_reassign(task_id: str, body: Reassignment) -> ResponseReturnValue:
    current.services().inbox.reassign(task_id, body.to, current_actor())
    return _task_json(task_id)


def _refuse_others_task(task_id: str, actor: Actor) -> None:
    """A reader may not claim another reader's task (``app.web.reader_scope``); an unknown task is
    left to the claim itself to refuse."""
    services = current.services()
    with services.db.reading() as session:
        task = task_list.open_task(session, task_id)
        if task is not None:
            refuse_others_task(session, task, actor, services.inbox.policy)


def _task_json(task_id: str) -> ResponseReturnValue:
    services, actor = current.services(), current_actor()
    with services.db.reading() as session:
        row = task_list.find_task(session, task_id)
        names = task_list.process_names(session)
    if row is None:  # completed by its new holder in the instant since
        raise NotFound(_("task {task} is not open any more (completed or cancelled meanwhile)").format(task=task_id))
    return {"task": rows_json([row], actor, services.inbox.policy, names, services.clock.now())[0]}
