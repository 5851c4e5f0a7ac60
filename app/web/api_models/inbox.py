"""The inbox: ``GET /api/tasks`` (one tab, filtered, ordered, paged) and claim / unclaim /
reassign, each answering the task as the inbox now lists it."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import ConfigDict, Field, StringConstraints, field_validator

from app.web.api_models.base import Answer, Body, Query, Text, page_field, size_field
from app.web.api_refusals import refusal
from storage.task_list import SORTS

PAGE_SIZE = 50
MAX_PAGE = 100_000
YES, NO = ("1", "true", "on", "yes"), ("0", "false", "off", "no")
Sort = Literal[tuple(sort for name in SORTS for sort in (name, f"-{name}"))]  # type: ignore[valid-type]
InstanceStatus = Literal["running", "incident", "suspended", "created"]
ROW_EXAMPLE: dict[str, Any] = {
    "id": "5d0e9f5c-3c53-4a39-9a43-0d6f7e1c2b11", "name": "On-site reconnection", "element_id": "on_site",
    "lane": "executor", "lane_name": "执行人",
    "process_id": "reconnect", "process_name": "Reconnection", "instance_id": 42,
    "instance_status": "running", "batch_id": 42, "order_number": "140000000001",
    "customers": [{"number": "3400000002", "name": "王伟"}], "customer_count": 1, "segments": ["S01"],
    "created_at": "2026-03-02T01:00:00+00:00", "age_seconds": 600, "due_at": "2026-03-03T01:00:00+00:00",
    "overdue": False, "claimed_by": None, "offered_to": "reader-rui",
    "url": "/tasks/5d0e9f5c-3c53-4a39-9a43-0d6f7e1c2b11",
    "actions": {"claim": True, "unclaim": False, "reassign": True}}


class TaskListArgs(Query):
    """Which tab of the inbox, filtered, ordered and paged."""

    model_config = ConfigDict(json_schema_extra={"examples": [{"tab": "groups", "overdue": "1", "sort": "-age"}]})

    tab: Literal["mine", "groups", "all"] | None = Field(None, description=(
        "mine: claimed by me; groups (default): unclaimed, in a lane I hold; all: every open task (approvers and "
        "system administrators only)"))
    process: Text | None = Field(None, description="process id")
    task: Text | None = Field(None, description="the user task's BPMN id")
    segment: Text | None = Field(None, description="meter-reading segment of one of the task's customers")
    customer: Text | None = Field(None, description="customer number")
    overdue: bool | None = Field(None, description="1 (true, on, yes): only tasks past their due time")
    segments: Literal["mine", "all"] | None = Field(None, description=(
        "for a meter reader: mine (the default) lists the tasks of the segments they read (and those naming "
        "no customer, offered to or claimed by them); all lists every segment's"))
    sort: Sort = Field("due", description="due (soonest due first), age (oldest first), process, task; a leading "  # type: ignore[valid-type]
                                          "'-' reverses")
    page: int = page_field(most=MAX_PAGE)
    size: int = size_field(PAGE_SIZE)

    @field_validator("overdue", mode="plain", json_schema_input_type=Literal[(*YES, *NO)])  # type: ignore[valid-type]
    @classmethod
    def _yes_or_no(cls, value: Any) -> bool:
        choice = str(value).strip().lower()
        if choice not in YES + NO:
            raise refusal("overdue must be 1 or 0 (true/false)")
        return choice in YES


class Reassignment(Body):
    model_config = ConfigDict(json_schema_extra={"examples": [{"to": "erin"}]})

    to: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)] = Field(
        description="the username of whom to give the task to (holding its lane's role)")


class TaskActions(Answer):
    """What the caller may do with the task now."""

    claim: bool
    unclaim: bool
    reassign: bool


class TaskCustomer(Answer):
    number: str
    name: str | None


class TaskRow(Answer):
    """An open user task as the inbox lists it."""

    model_config = ConfigDict(json_schema_extra={"examples": [ROW_EXAMPLE]})

    id: str = Field(description="the task id (a UUID)")
    name: str | None
    element_id: str = Field(description="the user task's BPMN id")
    lane: str | None = Field(description="the role that works on it")
    lane_name: str | None = Field(description="the lane's name people read (审批人); null before lanes had names")
    process_id: str
    process_name: str
    instance_id: int
    instance_status: InstanceStatus
    batch_id: int = Field(description="the flow's number: a child's batch, else its own instance")
    order_number: str | None = Field(description="reconnection work order (10… or 14…)")
    customers: list[TaskCustomer] = Field(description="the first customers the task concerns")
    customer_count: int
    segments: list[str]
    created_at: datetime
    age_seconds: int
    due_at: datetime | None = Field(description="created_at + the task's due_in property in the diagram")
    overdue: bool
    claimed_by: str | None
    offered_to: str | None = Field(description="whom the diagram's offer_to names (in their 'my tasks' while "
                                               "unclaimed)")
    url: str = Field(description="the task's form page")
    actions: TaskActions


class InboxTask(Answer):
    """The task as the inbox now lists it."""

    model_config = ConfigDict(json_schema_extra={"examples": [{"task": ROW_EXAMPLE}]})

    task: TaskRow


class TaskFiltersShown(Answer):
    process: str | None
    task: str | None
    segment: str | None
    customer: str | None
    overdue: bool


class TaskList(Answer):
    """One page of one tab."""

    model_config = ConfigDict(json_schema_extra={"examples": [{
        "tab": "groups", "sort": "due",
        "filters": {"process": None, "task": None, "segment": None, "customer": None, "overdue": False},
        "rows": [ROW_EXAMPLE], "total": 1, "page": 1, "size": 50, "pages": 1}]})

    tab: str
    sort: str
    filters: TaskFiltersShown
    rows: list[TaskRow]
    total: int
    page: int
    size: int
    pages: int
