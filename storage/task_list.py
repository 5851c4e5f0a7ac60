"""The inbox's read model: open user tasks by tab, filters, order and page (repository functions
that take a Session).

A count and one query find the page's task ids from the covering user_tasks indexes alone (the
tab, filters and order need no other table; a segment or customer filter looks in
``user_task_customers``); a few more, bounded by the page size, add what each row shows: its
instance's status and batch, order numbers, customers and their segments. Nothing here reads an
instance's state.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, func, or_, select, true
from sqlalchemy.orm import Session

from storage.case_drafts import hidden_from
from storage.domain_models import Customer, Segment
from storage.models import Instance, InstanceAttribute, ProcessVersion, User, UserRole, UserTask, UserTaskCustomer
from storage.paging import page_count
from storage.segments import names as segment_names

MINE, GROUPS, ALL = "mine", "groups", "all"
TABS = (MINE, GROUPS, ALL)
SORTS = ("due", "age", "process", "task")  # each also reversed with a leading "-"
ORDER_ATTRIBUTES = ("work_order", "manual_order")  # the reconnection orders' numbers (M5.1)
CUSTOMERS_SHOWN = 2  # a batch's row names its first customers and says how many there are


@dataclass(frozen=True)
class Viewer:
    username: str
    roles: frozenset[str]


@dataclass(frozen=True)
class TaskFilters:
    process: str | None = None  # process id
    task: str | None = None  # the task's BPMN element id
    segment: str | None = None  # a segment of one of the task's customers
    customer: str | None = None  # one of the task's customers
    overdue: bool = False
    # a reader's own segments (issue 13 item 7): tasks with a customer of a segment this user reads,
    # tasks naming no customer, and tasks offered to or claimed by them
    reader: str | None = None
    every_segment: bool = False  # a reader asked for every segment's tasks (no condition: kept for the links)


@dataclass(frozen=True)
class TaskQuery:
    viewer: Viewer
    tab: str = GROUPS
    filters: TaskFilters = TaskFilters()
    sort: str = "due"
    page: int = 1
    size: int = 50

    def __post_init__(self) -> None:
        if self.tab not in TABS:
            raise ValueError(f"tab must be one of {', '.join(TABS)}")
        if self.sort.removeprefix("-") not in SORTS:
            raise ValueError(f"sort must be one of {', '.join(SORTS)} (a leading '-' reverses it)")


@dataclass(frozen=True)
class CustomerRef:
    number: str
    name: str | None


@dataclass(frozen=True)
class TaskRow:
    task: UserTask
    process_id: str
    instance_status: str
    batch_id: int  # the flow's number: a child's batch (its parent), else the instance itself
    order_number: str | None
    customers: tuple[CustomerRef, ...] = ()  # the first CUSTOMERS_SHOWN
    customer_count: int = 0
    segments: tuple[str, ...] = ()


@dataclass(frozen=True)
class TaskPage:
    rows: list[TaskRow]
    total: int
    page: int
    size: int

    @property
    def pages(self) -> int:
        return page_count(self.total, self.size)


@dataclass(frozen=True)
class Choices:
    """What the filters offer: deployed processes, the tasks open now, the segments."""

    processes: list[tuple[str, str]] = field(default_factory=list)
    tasks: list[tuple[str, str]] = field(default_factory=list)
    segments: list[tuple[str, str]] = field(default_factory=list)


def list_tasks(session: Session, query: TaskQuery, now: datetime, total: int | None = None) -> TaskPage:
    """One page of the tab; ``total`` when the caller has counted it already."""
    counted = total if total is not None else session.execute(
        count_statement(query.tab, query.viewer, query.filters, now)).scalar_one()
    ids = list(session.execute(page_statement(query, now)).scalars())
    return TaskPage(_rows(session, ids), counted, query.page, query.size)


def count_tabs(session: Session, viewer: Viewer, tabs: Sequence[str], filters: TaskFilters,
               now: datetime) -> dict[str, int]:
    return {tab: session.execute(count_statement(tab, viewer, filters, now)).scalar_one() for tab in tabs}


def page_statement(query: TaskQuery, now: datetime) -> Select[str]:
    """The ids of one page, in order: every column it reads is in ix_user_tasks_inbox or
    ix_user_tasks_due, so even a deep page is found without reading a row."""
    return (
        select(UserTask.id).where(*_conditions(query.tab, query.viewer, query.filters, now))
        .order_by(*_order(query.sort)).limit(query.size).offset((query.page - 1) * query.size)
    )


def count_statement(tab: str, viewer: Viewer, filters: TaskFilters, now: datetime) -> Select[int]:
    return select(func.count()).select_from(UserTask).where(*_conditions(tab, viewer, filters, now))


def tasks_of_instances_started_by(session: Session, process_id: str, username: str, *,
                                  limit: int) -> Sequence[UserTask]:
    """The open tasks of ``process_id`` instances ``username`` started, newest first (at most ``limit``)."""
    return session.execute(select(UserTask).join(Instance, Instance.id == UserTask.instance_id)
                           .where(Instance.process_id == process_id, Instance.started_by == username)
                           .order_by(UserTask.created_at.desc()).limit(limit)).scalars().all()


def open_task(session: Session, task_id: str) -> UserTask | None:
    """The open task ``task_id`` (None: not open, or not a task id at all)."""
    if len(task_id) > UserTask.id.type.length:
        return None
    return session.get(UserTask, task_id)


def find_task(session: Session, task_id: str) -> TaskRow | None:
    rows = _rows(session, [task_id])
    return rows[0] if rows else None


def choices(session: Session) -> Choices:
    tasks = session.execute(select(UserTask.element_id, func.max(UserTask.name)).group_by(UserTask.element_id)).all()
    return Choices(sorted(process_names(session).items()), sorted(((e, n or e) for e, n in tasks), key=lambda c: c[1]),
                   segment_names(session))


def process_names(session: Session) -> dict[str, str]:
    """Process id → name (of its latest version)."""
    rows = session.execute(
        select(ProcessVersion.process_id, ProcessVersion.name).order_by(ProcessVersion.version)
    ).all()
    return {r.process_id: r.name or r.process_id for r in rows}


def users_holding(session: Session, roles: Collection[str]) -> dict[str, list[tuple[str, str]]]:
    """Active users per role, (username, display name): whom a task of that lane can go to."""
    found: dict[str, list[tuple[str, str]]] = {role: [] for role in roles}
    if not roles:
        return found
    rows = session.execute(
        select(UserRole.role, User.username, User.display_name).join(User, User.id == UserRole.user_id)
        .where(UserRole.role.in_(sorted(roles)), User.active.is_(True)).order_by(User.username)
    ).all()
    for row in rows:
        found[row.role].append((row.username, row.display_name))
    return found


# -- the query ---------------------------------------------------------------------------------

def _conditions(tab: str, viewer: Viewer, filters: TaskFilters, now: datetime) -> list[ColumnElement[bool]]:
    where: list[ColumnElement[bool]] = [_tab_condition(tab, viewer), hidden_from(viewer.username, UserTask.instance_id)]
    if filters.process:
        where.append(UserTask.process_id == filters.process)
    if filters.task:
        where.append(UserTask.element_id == filters.task)
    if filters.overdue:
        where.append(UserTask.due_at < now)
    if filters.customer:
        where.append(UserTask.id.in_(select(UserTaskCustomer.task_id)
                                     .where(UserTaskCustomer.customer_number == filters.customer)))
    if filters.segment:
        where.append(UserTask.id.in_(
            select(UserTaskCustomer.task_id).join(Customer, Customer.number == UserTaskCustomer.customer_number)
            .where(Customer.segment_code == filters.segment)))
    if filters.reader:
        own = (select(UserTaskCustomer.task_id).join(Customer, Customer.number == UserTaskCustomer.customer_number)
               .join(Segment, Segment.code == Customer.segment_code).where(Segment.reader_username == filters.reader))
        where.append(or_(UserTask.id.in_(own), UserTask.id.not_in(select(UserTaskCustomer.task_id)),
                         UserTask.offered_to == filters.reader, UserTask.claimed_by == filters.reader))
    return where


def _tab_condition(tab: str, viewer: Viewer) -> ColumnElement[bool]:
    if tab == MINE:  # claimed by me, or offered to me and still unclaimed (in a lane I hold)
        return or_(UserTask.claimed_by == viewer.username,
                   and_(UserTask.offered_to == viewer.username, UserTask.claimed_by.is_(None),
                        or_(UserTask.lane.is_(None), UserTask.lane.in_(sorted(viewer.roles)))))
    if tab == GROUPS:  # unclaimed, in a lane the viewer holds (a task without a lane is anyone's)
        return and_(UserTask.claimed_by.is_(None),
                    or_(UserTask.lane.is_(None), UserTask.lane.in_(sorted(viewer.roles))))
    return true()


def _order(sort: str) -> list[Any]:
    descending = sort.startswith("-")
    key = sort.removeprefix("-")
    due = (UserTask.due_at.desc().nulls_last() if descending else UserTask.due_at.asc().nulls_last())
    oldest = UserTask.created_at.desc() if descending else UserTask.created_at.asc()
    tie = UserTask.id.desc() if descending else UserTask.id.asc()
    if key == "due":
        return [due, oldest, tie]
    if key == "age":  # "age" puts the oldest first, "-age" the newest
        return [oldest, tie]
    first = UserTask.process_id if key == "process" else UserTask.element_id  # tasks of a kind together
    return [first.desc() if descending else first.asc(), due, oldest, tie]


# -- what each row shows ---------------------------------------------------------------------

def _rows(session: Session, ids: list[str]) -> list[TaskRow]:
    if not ids:
        return []
    found = {r.UserTask.id: r for r in session.execute(
        select(UserTask, Instance.status, Instance.parent_id).join(Instance, Instance.id == UserTask.instance_id)
        .where(UserTask.id.in_(ids)))}
    found_ids = [task_id for task_id in ids if task_id in found]  # the page's order
    orders = _order_numbers(session, [found[i].UserTask.instance_id for i in found_ids])
    customers, counts, segments = _customers(session, found_ids)
    rows = []
    for task_id in found_ids:
        task, status, parent_id = found[task_id]
        rows.append(TaskRow(task, task.process_id, status, parent_id or task.instance_id, orders.get(task.instance_id),
                            tuple(customers[task_id]), counts.get(task_id, 0), tuple(segments[task_id])))
    return rows


def _order_numbers(session: Session, instance_ids: list[int]) -> dict[int, str]:
    rows = session.execute(
        select(InstanceAttribute.instance_id, InstanceAttribute.name, InstanceAttribute.value)
        .where(InstanceAttribute.instance_id.in_(sorted(set(instance_ids))),
               InstanceAttribute.name.in_(ORDER_ATTRIBUTES))
    ).all()
    numbers: dict[int, str] = {}
    for row in sorted(rows, key=lambda r: ORDER_ATTRIBUTES.index(r.name), reverse=True):
        numbers[row.instance_id] = row.value  # a manual order replaces the automatic one it follows
    return numbers


def _customers(session: Session, task_ids: list[str]) -> tuple[dict[str, list[CustomerRef]], dict[str, int],
                                                                  dict[str, list[str]]]:
    link = UserTaskCustomer
    ranked = select(
        link.task_id, link.customer_number,
        func.row_number().over(partition_by=link.task_id, order_by=link.customer_number).label("rank"),
        func.count().over(partition_by=link.task_id).label("total"),
    ).where(link.task_id.in_(task_ids)).subquery()
    first = session.execute(
        select(ranked.c.task_id, ranked.c.customer_number, ranked.c.total, Customer.name)
        .outerjoin(Customer, Customer.number == ranked.c.customer_number)
        .where(ranked.c.rank <= CUSTOMERS_SHOWN).order_by(ranked.c.task_id, ranked.c.rank)
    ).all()
    shown: dict[str, list[CustomerRef]] = defaultdict(list)
    counts: dict[str, int] = {}
    for row in first:
        shown[row.task_id].append(CustomerRef(row.customer_number, row.name))
        counts[row.task_id] = row.total
    segments: dict[str, list[str]] = defaultdict(list)
    for row in session.execute(
        select(link.task_id, Customer.segment_code).join(Customer, Customer.number == link.customer_number)
        .where(link.task_id.in_(task_ids)).group_by(link.task_id, Customer.segment_code)
        .order_by(link.task_id, Customer.segment_code)
    ):
        segments[row.task_id].append(row.segment_code)
    return shown, counts, segments
