"""Process instances: the list (filters, paging), one instance, its deployed diagram, and the
system administrator's interventions (terminate / suspend / resume with a reason, retry)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import ConfigDict, Field, StringConstraints, field_validator

from app.runtime.forms import FormInvalid
from app.runtime.reading.instance_detail import LARGEST_ID
from app.web.api_models.base import Answer, Body, DiagramLabels, Query, page_field, size_field
from app.web.api_refusals import refusal
from app.web.instance_common import DEFAULT_PAGE_SIZE, MAX_FILTER, MAX_REASON, STATUSES, reason_from
from storage.instance_listing import SORTS, ListFilter

YES, NO = ("yes", "true", "1"), ("no", "false", "0")
HISTORY_SHOWN = 50
HISTORY_MAX = 500
Filter = Annotated[str, StringConstraints(max_length=MAX_FILTER)]
Status = Literal[STATUSES]  # type: ignore[valid-type]
Sort = Literal[tuple(SORTS)]  # type: ignore[valid-type]


class InstanceListArgs(Query):
    """The list's filters (each exact), order and page (the list page and ``GET /api/instances``)."""

    model_config = ConfigDict(json_schema_extra={"examples": [{"process": "reconnect", "has_incident": "yes"}]})

    process: Filter | None = Field(None, description="process id, e.g. reconnect")
    status: Status | None = None  # type: ignore[valid-type]
    work_order: Filter | None = Field(None, description="a work-order number (automatic, manual or batch)")
    customer: Filter | None = Field(None, description="customer number")
    segment: Filter | None = Field(None, description="segment code")
    has_incident: bool | None = Field(None, description="yes (true, 1) or no (false, 0)")
    parent: int = Field(0, ge=0, le=LARGEST_ID, description="children of this instance (0: any)")
    sort: Sort = Field("newest", description="newest (highest id) or oldest first")  # type: ignore[valid-type]
    page: int = page_field()
    size: int = size_field(DEFAULT_PAGE_SIZE)

    @field_validator("has_incident", mode="plain", json_schema_input_type=Literal[(*YES, *NO)])  # type: ignore[valid-type]
    @classmethod
    def _yes_or_no(cls, value: Any) -> bool:
        choice = str(value).lower()
        if choice not in (*YES, *NO):
            raise refusal(f"has_incident must be yes or no, not {choice[:20]!r}")
        return choice in YES

    def list_filter(self) -> ListFilter:
        return ListFilter(process_id=self.process, status=self.status, work_order=self.work_order,
                          customer=self.customer, segment=self.segment, has_incident=self.has_incident,
                          parent_id=self.parent or None)


class InstanceArgs(Query):
    model_config = ConfigDict(json_schema_extra={"examples": [{"history": 20}]})

    history: int = Field(HISTORY_SHOWN, ge=0, le=HISTORY_MAX,
                         description="how many of the latest history events to include")


class DiagramArgs(DiagramLabels):
    model_config = ConfigDict(json_schema_extra={"examples": [{"format": "xml"}, {"labels": "translated"}]})

    format: Literal["json", "xml"] = Field("json", description="xml: the deployed file alone (application/xml)")


class Reason(Body):
    """Why an intervention is made; recorded in the instance's history."""

    model_config = ConfigDict(json_schema_extra={"examples": [{"reason": "billing dispute: wait for the audit"}]})
    refusal_status = 422

    reason: str = Field(description="why; recorded in the instance's history")

    @field_validator("reason", mode="plain", json_schema_input_type=Annotated[
        str, StringConstraints(min_length=1, max_length=MAX_REASON)])
    @classmethod
    def _given(cls, value: Any) -> str:
        try:
            return reason_from(value)
        except FormInvalid as invalid:
            raise refusal(invalid.errors["reason"]) from None


class InstanceSummary(Answer):
    id: int
    process_id: str
    process_name: str | None
    version: int
    status: Status  # type: ignore[valid-type]
    started_by: str
    created_at: datetime | None
    updated_at: datetime | None
    ended_at: datetime | None
    parent_id: int | None
    open_tasks: int
    has_incident: bool
    attributes: dict[str, str] = Field(description="work_order / manual_order / batch, customer, segment")
    url: str


SUMMARY_EXAMPLE: dict[str, Any] = {
    "id": 42, "process_id": "reconnect", "process_name": "Reconnection", "version": 1, "status": "running",
    "started_by": "system:patrol", "created_at": "2026-03-02T01:00:00+00:00", "updated_at": "2026-03-02T01:00:05+00:00",
    "ended_at": None, "parent_id": None, "open_tasks": 1, "has_incident": False,
    "attributes": {"customer": "3400000002", "segment": "S01", "manual_order": "140000000001"},
    "url": "/instances/42"}


class InstanceList(Answer):
    model_config = ConfigDict(json_schema_extra={"examples": [{
        "items": [SUMMARY_EXAMPLE], "page": 1, "size": 50, "sort": "newest", "total": 1, "has_next": False}]})

    items: list[InstanceSummary]
    page: int
    size: int
    sort: str
    total: int
    has_next: bool


class Incident(Answer):
    id: int
    element_id: str | None
    error: str
    created_at: datetime | None
    resolved_at: datetime | None
    resolved_by: str | None
    open: bool
    retry: str | None = Field(description="POST here to retry (open incidents only)")


class InstanceState(Answer):
    """The instance after an intervention."""

    model_config = ConfigDict(json_schema_extra={"examples": [
        {"id": 42, "status": "suspended", "status_reason": "billing dispute: wait for the audit",
         "open_incidents": []}]})

    id: int
    status: Status  # type: ignore[valid-type]
    status_reason: str | None
    open_incidents: list[Incident]


class ParentRef(Answer):
    id: int
    process_id: str | None
    url: str


class Children(Answer):
    total: int
    by_status: dict[str, int]
    first: list[InstanceSummary]
    all: str = Field(description="the list of all of them")


class InstanceTask(Answer):
    id: str
    element_id: str
    name: str | None
    lane: str | None = Field(description="the role of the task's lane: who may do it")
    lane_name: str | None = Field(description="the lane's name people read (审批人); null before lanes had names")
    claimed_by: str | None
    created_at: datetime | None
    url: str


class HistoryEvent(Answer):
    seq: int
    type: str
    element_id: str | None
    actor: str
    at: datetime | None
    data: dict[str, Any]


class RecentHistory(Answer):
    total: int
    shown: int
    last_at: datetime | None
    events: list[HistoryEvent]


class InstanceDetail(Answer):
    """One instance: facts, attributes, parent and children, open tasks, incidents, recent history."""

    model_config = ConfigDict(json_schema_extra={"examples": [{
        "id": 42, "process_id": "reconnect", "process_name": "Reconnection", "version": 1, "deployment_id": 1,
        "status": "running", "status_reason": None, "started_by": "system:patrol",
        "created_at": "2026-03-02T01:00:00+00:00", "updated_at": "2026-03-02T01:00:05+00:00", "ended_at": None,
        "next_wake_at": None, "start_data": {"customer_number": "3400000002"}, "result": None,
        "attributes": {"customer": "3400000002", "segment": "S01"},
        "parent": {"id": 7, "process_id": "disconnect", "url": "/instances/7"},
        "children": {"total": 0, "by_status": {}, "first": [], "all": "/api/instances?parent=42"},
        "tasks": [{"id": "5d0e9f5c-3c53-4a39-9a43-0d6f7e1c2b11", "element_id": "on_site",
                   "name": "On-site reconnection", "lane": "executor", "lane_name": "执行人", "claimed_by": None,
                   "created_at": "2026-03-02T01:00:05+00:00", "url": "/tasks/5d0e9f5c-3c53-4a39-9a43-0d6f7e1c2b11"}],
        "incidents": [{"id": 3, "element_id": "send_close", "error": "the head-end did not answer",
                       "created_at": "2026-03-02T01:00:02+00:00", "resolved_at": "2026-03-02T01:00:04+00:00",
                       "resolved_by": "erin", "open": False, "retry": None}],
        "history": {"total": 1, "shown": 1, "last_at": "2026-03-02T01:00:00+00:00", "events": [
            {"seq": 1, "type": "instance.started", "element_id": None, "actor": "system:patrol",
             "at": "2026-03-02T01:00:00+00:00", "data": {}}]},
        "diagram": "/api/instances/42/diagram"}]})

    id: int
    process_id: str
    process_name: str | None
    version: int
    deployment_id: int
    status: Status  # type: ignore[valid-type]
    status_reason: str | None
    started_by: str
    created_at: datetime | None
    updated_at: datetime | None
    ended_at: datetime | None
    next_wake_at: datetime | None
    start_data: dict[str, Any] | None
    result: Any = Field(description="the process's result variable, any JSON")
    attributes: dict[str, str]
    parent: ParentRef | None
    children: Children
    tasks: list[InstanceTask]
    incidents: list[Incident]
    history: RecentHistory
    diagram: str = Field(description="its diagram (GET)")


class Highlights(Answer):
    completed: list[str]
    taken_flows: list[str]
    active: list[str]
    tasks: list[str]
    incidents: list[str]
    spawns_children: list[str]


class InstanceDiagram(Answer):
    """The BPMN XML the instance's version was deployed with, and the element ids to highlight."""

    model_config = ConfigDict(json_schema_extra={"examples": [{
        "instance_id": 42, "process_id": "reconnect", "version": 1, "deployment_id": 1, "file": "reconnect.bpmn",
        "status": "running", "xml": "<?xml version=\"1.0\" encoding=\"UTF-8\"?><bpmn:definitions …/>",
        "highlights": {"completed": ["start"], "taken_flows": ["f_start"], "active": ["on_site"],
                       "tasks": ["on_site"], "incidents": [], "spawns_children": []}}]})

    instance_id: int
    process_id: str
    version: int
    deployment_id: int
    file: str
    status: Status  # type: ignore[valid-type]
    xml: str
    highlights: Highlights
