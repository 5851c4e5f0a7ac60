"""What the inbox page and ``/api/tasks`` share: reading the query arguments, who may do what
on a row (asking the runtime's ``InboxPolicy``, never restating it), and each row as JSON."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from functools import cache
from typing import Any

from flask import current_app, url_for
from flask_babel import gettext as _

from app.rules.beijing import beijing_date
from app.runtime.actors import Actor
from app.runtime.errors import Forbidden
from app.runtime.inbox import InboxPolicy
from app.translations import N_
from app.web.api_models.inbox import PAGE_SIZE, TaskListArgs
from app.web.api_operation import read_query
from app.web.formatting import beijing_time
from app.web.i18n import role_label
from app.web.reader_scope import others_task
from app.web.value_labels import value_label
from storage.statuses import InstanceStatus
from storage.task_list import ALL, TABS, TaskFilters, TaskQuery, TaskRow, Viewer

TASK_ID_SLOT = "00000000-0000-0000-0000-000000000000"  # replaced by each row's task id in its action URLs
# The user tasks' short names, by BPMN id. The msgid is a key, not English: where the catalog has no
# short name (English), the task's name in the diagram shows.
SHORT_TASK_NAMES = {"apply": N_("task.apply"), "approve": N_("task.approve"), "issue": N_("task.issue"),
                    "confirm_empty": N_("task.confirm_empty"), "send_to_archive": N_("task.send_to_archive"),
                    "enter_disconnection": N_("task.enter_disconnection"), "on_site": N_("task.on_site")}


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


def query_from_request(actor: Actor, policy: InboxPolicy, default_tab: str, *, reader: bool = False) -> TaskQuery:
    """The tab, filters, order and page the request asks for (``TaskListArgs``)."""
    return task_query(actor, policy, default_tab, read_query(TaskListArgs), reader=reader)


def scope(actor: Actor, args: TaskListArgs, *, reader: bool) -> TaskFilters:
    """What a meter reader sees unless they ask for every segment: their own segments' tasks."""
    if not reader:
        return TaskFilters()
    return TaskFilters(every_segment=True) if args.segments == "all" else TaskFilters(reader=actor.name)


def task_query(actor: Actor, policy: InboxPolicy, default_tab: str, args: TaskListArgs, *,
               reader: bool = False) -> TaskQuery:
    """The query the arguments ask for; a 403 for the "all open tasks" tab without the role. A
    reader (``reader``: the actor reads a segment) sees their own segments' tasks unless the
    arguments say ``segments=all``."""
    tab = args.tab or default_tab
    if tab == ALL and not sees_all(actor, policy):
        raise Forbidden(_("Only approvers and system administrators see all open tasks."))
    filters = replace(scope(actor, args, reader=reader), process=args.process, task=args.task, segment=args.segment,
                      customer=args.customer, overdue=bool(args.overdue))
    return TaskQuery(Viewer(actor.name, actor.roles), tab, filters, args.sort, args.page, args.size)


def kept_args(query: TaskQuery, **changes: Any) -> dict[str, Any]:
    """The query as URL arguments (defaults left out), with ``changes`` applied: for links and redirects."""
    filters = query.filters
    args: dict[str, Any] = {"tab": query.tab, "segments": "all" if filters.every_segment else None,
                            "process": filters.process, "task": filters.task,
                            "segment": filters.segment, "customer": filters.customer,
                            "overdue": "1" if filters.overdue else None, "sort": query.sort,
                            "page": query.page, "size": query.size}
    args.update(changes)
    defaults = {"sort": "due", "page": 1, "size": PAGE_SIZE}
    return {name: value for name, value in args.items() if value not in (None, "", defaults.get(name))}


def actions_for(row: TaskRow, actor: Actor, policy: InboxPolicy, *, reader: bool = False) -> Actions:
    """Which buttons the row offers this person (a ``reader`` is offered no claim of another
    reader's task). The runtime's Inbox decides again on the click."""
    task = row.task
    in_lane = task.lane is None or actor.has_role(task.lane)
    supervising = policy.may_take_over(task, actor)
    return Actions(
        claim=task.claimed_by is None and in_lane and not others_task(task, actor, policy, reader=reader),
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
        "lane_name": task.lane_name,
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
              action_urls: dict[str, str], now: datetime, *, reader: bool = False) -> list[dict[str, Any]]:
    """What the page's table shows per row, every label translated once per page, not per row."""
    label, role, status, urls = cache(_), cache(role_label), cache(value_label), task_urls(rows)
    return [{
        "row": r, "actions": actions_for(r, actor, policy, reader=reader), "overdue": is_overdue(r, now),
        "url": urls[r.task.id],
        "urls": {action: url.replace(TASK_ID_SLOT, r.task.id) for action, url in action_urls.items()},
        "process": label(process_names.get(r.process_id, r.process_id)),
        "task": task_label(r.task.element_id, r.task.name, label),
        "lane": r.task.lane_name or (role(r.task.lane) if r.task.lane else ""),
        "status": status("instance_status", r.instance_status) if r.instance_status != InstanceStatus.RUNNING else None,
        "age": span(now - r.task.created_at),
        "due": due_time(r.task.due_at, now) if r.task.due_at else None,
        "due_in": span(abs(r.task.due_at - now)) if r.task.due_at else None,
    } for r in rows]


def task_label(element_id: str, name: str | None, translate: Callable[[str], str] = _) -> str:
    """The task's short name (``SHORT_TASK_NAMES``), else its name in the diagram."""
    key = SHORT_TASK_NAMES.get(element_id)
    short = translate(key) if key else key
    return short if short and short != key else translate(name or element_id)


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
    return beijing_time(moment, "HH:mm" if beijing_date(moment) == beijing_date(now) else "MM-dd HH:mm")
