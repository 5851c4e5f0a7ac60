"""What the inbox page and ``/api/tasks`` share: reading the query arguments, who may do what
on a row (asking the runtime's ``InboxPolicy``, never restating it), and each row as JSON."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from typing import Any

from flask import current_app, request, url_for

from app.rules.beijing import BEIJING
from app.runtime.actors import Actor
from app.runtime.errors import Forbidden, RuntimeActionError
from app.runtime.inbox import InboxPolicy
from app.web.api_common import MAX_PAGE_SIZE, int_arg
from app.web.i18n import gettext as _
from app.web.query_args import text_arg
from storage.statuses import InstanceStatus
from storage.task_list import ALL, SORTS, TABS, TaskFilters, TaskQuery, TaskRow, Viewer

PAGE_SIZE = 50
MAX_PAGE = 100_000
YES, NO = ("1", "true", "on", "yes"), ("", "0", "false", "off", "no")
TASK_ID_SLOT = "00000000-0000-0000-0000-000000000000"  # replaced by each row's task id in its action URLs


@dataclass(frozen=True)
class Actions:
    claim: bool
    unclaim: bool
    reassign: bool


def sees_all(actor: Actor, policy: InboxPolicy) -> bool:
    """Approvers and system administrators (the policy's supervisors) see every open task."""
    return bool(actor.roles & (policy.supervisors | policy.lane_supervisors))


def tabs_for(actor: Actor, policy: InboxPolicy) -> tuple[str, ...]:
    return TABS if sees_all(actor, policy) else tuple(tab for tab in TABS if tab != ALL)


def query_from_request(actor: Actor, policy: InboxPolicy, default_tab: str) -> TaskQuery:
    """The tab, filters, order and page the request asks for; a 400 naming a bad argument, a 403
    for the "all open tasks" tab without the role."""
    tab = request.args.get("tab") or default_tab
    if tab not in TABS:
        raise RuntimeActionError(f"tab must be one of: {', '.join(TABS)}")
    if tab == ALL and not sees_all(actor, policy):
        raise Forbidden(_("Only approvers and system administrators see all open tasks."))
    sort = request.args.get("sort") or "due"
    if sort.removeprefix("-") not in SORTS:
        raise RuntimeActionError(f"sort must be one of: {', '.join(SORTS)} (a leading '-' reverses it)")
    return TaskQuery(Viewer(actor.name, actor.roles), tab, filters_from_request(), sort,
                     int_arg("page", 1, high=MAX_PAGE), int_arg("size", PAGE_SIZE, high=MAX_PAGE_SIZE))


def filters_from_request() -> TaskFilters:
    text = {name: text_arg(name) for name in ("process", "task", "segment", "customer")}
    overdue = request.args.get("overdue", "").strip().lower()
    if overdue not in YES + NO:
        raise RuntimeActionError("overdue must be 1 or 0 (true/false)")
    return TaskFilters(**text, overdue=overdue in YES)


def kept_args(query: TaskQuery, **changes: Any) -> dict[str, Any]:
    """The query as URL arguments (defaults left out), with ``changes`` applied: for links and redirects."""
    filters = query.filters
    args: dict[str, Any] = {"tab": query.tab, "process": filters.process, "task": filters.task,
                            "segment": filters.segment, "customer": filters.customer,
                            "overdue": "1" if filters.overdue else None, "sort": query.sort,
                            "page": query.page, "size": query.size}
    args.update(changes)
    defaults = {"sort": "due", "page": 1, "size": PAGE_SIZE}
    return {name: value for name, value in args.items() if value not in (None, "", defaults.get(name))}


def actions_for(row: TaskRow, actor: Actor, policy: InboxPolicy) -> Actions:
    """Which buttons the row offers this person. The runtime's Inbox decides again on the click."""
    task = row.task
    in_lane = task.lane is None or actor.has_role(task.lane)
    supervising = policy.may_take_over(task, actor)
    return Actions(
        claim=task.claimed_by is None and in_lane,
        unclaim=task.claimed_by is not None and (task.claimed_by == actor.name or supervising),
        reassign=task.lane is not None and (supervising or (in_lane and task.claimed_by in (None, actor.name))),
    )


def task_url(task_id: str) -> str:
    """The task's form (built by the task forms feature)."""
    if "task_forms.form_page" in current_app.view_functions:
        return url_for("task_forms.form_page", task_id=task_id)
    return f"/tasks/{task_id}"


def task_urls(rows: Sequence[TaskRow]) -> dict[str, str]:
    """Each row's form URL, the route built once per page."""
    pattern = task_url(TASK_ID_SLOT)
    return {r.task.id: pattern.replace(TASK_ID_SLOT, r.task.id) for r in rows}


def is_overdue(row: TaskRow, now: datetime) -> bool:
    return row.task.due_at is not None and row.task.due_at < now


def rows_json(rows: Sequence[TaskRow], actor: Actor, policy: InboxPolicy, process_names: dict[str, str],
              now: datetime) -> list[dict[str, Any]]:
    urls = task_urls(rows)
    return [row_json(row, actor, policy, process_names, now, urls[row.task.id]) for row in rows]


def row_json(row: TaskRow, actor: Actor, policy: InboxPolicy, process_names: dict[str, str],
             now: datetime, url: str) -> dict[str, Any]:
    task, actions = row.task, actions_for(row, actor, policy)
    return {
        "id": task.id, "name": task.name, "element_id": task.element_id, "lane": task.lane,
        "process_id": row.process_id, "process_name": process_names.get(row.process_id, row.process_id),
        "instance_id": task.instance_id, "instance_status": row.instance_status, "batch_id": row.batch_id,
        "order_number": row.order_number,
        "customers": [{"number": c.number, "name": c.name} for c in row.customers],
        "customer_count": row.customer_count, "segments": list(row.segments),
        "created_at": task.created_at.isoformat(), "age_seconds": int((now - task.created_at).total_seconds()),
        "due_at": task.due_at.isoformat() if task.due_at else None, "overdue": is_overdue(row, now),
        "claimed_by": task.claimed_by, "offered_to": task.offered_to, "url": url,
        "actions": {"claim": actions.claim, "unclaim": actions.unclaim, "reassign": actions.reassign},
    }


def page_rows(rows: Sequence[TaskRow], actor: Actor, policy: InboxPolicy, process_names: dict[str, str],
              action_urls: dict[str, str], now: datetime) -> list[dict[str, Any]]:
    """What the page's table shows per row, every label translated once per page, not per row."""
    label, urls = cache(_), task_urls(rows)
    return [{
        "row": r, "actions": actions_for(r, actor, policy), "overdue": is_overdue(r, now), "url": urls[r.task.id],
        "urls": {action: url.replace(TASK_ID_SLOT, r.task.id) for action, url in action_urls.items()},
        "process": label(process_names.get(r.process_id, r.process_id)),
        "task": task_label(r.task.element_id, r.task.name, label),
        "lane": label(f"role.{r.task.lane}") if r.task.lane else "",
        "status": label(r.instance_status.capitalize()) if r.instance_status != InstanceStatus.RUNNING else None,
        "age": span(now - r.task.created_at),
        "due": due_time(r.task.due_at, now) if r.task.due_at else None,
        "due_in": span(abs(r.task.due_at - now)) if r.task.due_at else None,
    } for r in rows]


def task_label(element_id: str, name: str | None, translate: Callable[[str], str] = _) -> str:
    """The task's short label (``task.<id>`` in the catalogs), else its name in the diagram."""
    short = translate(f"task.{element_id}")
    return short if short != f"task.{element_id}" else translate(name or element_id)


def span(delta: timedelta) -> str:
    """A duration as people say it: "45 min", "3 h 20 min", "2 d 4 h"."""
    minutes = max(0, int(delta.total_seconds() // 60))
    days, hours, mins = minutes // 1440, minutes // 60 % 24, minutes % 60
    if days:
        return _("{days} d {hours} h").format(days=days, hours=hours) if hours else _("{days} d").format(days=days)
    if hours:
        return _("{hours} h {minutes} min").format(hours=hours, minutes=mins) if mins else \
            _("{hours} h").format(hours=hours)
    return _("{minutes} min").format(minutes=mins)


def due_time(moment: datetime, now: datetime) -> str:
    """Beijing time to the minute, the date left out when it is today (the inbox's due column)."""
    here, today = moment.astimezone(BEIJING), now.astimezone(BEIJING)
    return here.strftime("%H:%M") if here.date() == today.date() else here.strftime("%m-%d %H:%M")
