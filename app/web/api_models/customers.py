"""The customer archive: search and one customer's detail (M1–M2), and changing one customer's
flag and mobile. Screening is ``screening``, subscriptions ``subscriptions``, segments ``segments``;
they share this module's field types and ``ArchiveBody``.

A body of these endpoints that cannot be taken is a 422 naming each field (absent, misspelt, of
the wrong type): a field left out is never taken as empty — ``null`` is how a client clears one.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import ConfigDict, Field, StringConstraints

from app.archive.lookups import REPORT_FILTERS
from app.archive.screening_view import CRITERIA
from app.web.api_models.base import Answer, Body, Query, Text, clearable, page_field, size_field
from storage.customer_search import SORTS, CustomerFilter

PAGE_SIZE = 50
PowerStatus = Literal["connected", "disconnected"]
YesNo = Literal["yes", "no"]
Sort = Literal[tuple(SORTS)]  # type: ignore[valid-type]
Only = Literal[REPORT_FILTERS]  # type: ignore[valid-type]
Rule = Literal[tuple(rule for rule, _reason in CRITERIA)]  # type: ignore[valid-type]


FlagReason = Annotated[str, clearable(500)]
RequiredReason = Annotated[str, clearable(500, nonempty=True)]
Mobile = Annotated[str, clearable(40)]
Username = Annotated[str, clearable(64)]
NoticeType = Annotated[str, clearable(32, nonempty=True)]


class CustomerSearchArgs(Query):
    """The customer search's filters, order and page (the search page, the subscriptions page and
    ``GET /api/customers``)."""

    model_config = ConfigDict(json_schema_extra={"examples": [
        {"segment": "S01", "arrears": "yes", "sort": "owed", "dir": "desc", "size": 20}]})

    number: Text | None = Field(None, description="customer number starts with")
    name: Annotated[str, StringConstraints(max_length=200)] | None = Field(None, description="name contains")
    meter: Text | None = Field(None, description="meter address starts with")
    segment: Text | None = Field(None, description="meter-reading segment code")
    power: PowerStatus | None = Field(None, description="power status")
    arrears: YesNo | None = Field(None, description="yes: owes something; no: owes nothing")
    flag: YesNo | None = Field(None, description="auto-reconnect flag set (yes) or not (no)")
    sort: Sort = Field("number", description="sort key (ties by number)")  # type: ignore[valid-type]
    dir: Literal["asc", "desc"] = Field("asc", description="sort direction")
    page: int = page_field()
    size: int = size_field(PAGE_SIZE)

    def customer_filter(self) -> CustomerFilter:
        return CustomerFilter(number=self.number, name=self.name, meter_address=self.meter, segment=self.segment,
                              power_status=self.power, owing=yes_no_choice(self.arrears),
                              auto_reconnect=yes_no_choice(self.flag))


def yes_no_choice(choice: str | None) -> bool | None:
    """A ``yes``/``no`` query choice as a filter value (None: not asked)."""
    return None if choice is None else choice == "yes"


class ArchiveBody(Body):
    refusal_status = 422


class FlagChange(ArchiveBody):
    """Set or clear one customer's auto-reconnect flag."""

    model_config = ConfigDict(json_schema_extra={"examples": [{"value": True, "reason": "meter replaced"}]})

    value: bool = Field(description="true sets the flag, false clears it")
    reason: FlagReason = Field("", description="why (required to force)")
    force: bool = Field(False, description="set it on a customer failing M1.1 screening (with a reason)")


class MobileChange(ArchiveBody):
    """The mobile number service SMS go to; empty or null clears it."""

    model_config = ConfigDict(json_schema_extra={"examples": [{"mobile": "139 1234 5678"}]})

    mobile: Mobile = Field(description="a mainland China mobile (11 digits starting 13–19; +86, spaces and dashes "
                                       "allowed); empty or null clears it")


class CustomerRow(Answer):
    number: str
    name: str
    segment: str
    meter_address: str
    mobile: str | None
    power_status: PowerStatus
    power_status_since: datetime | None
    owed_cents: int
    overdue_since: date | None
    auto_reconnect: bool
    subscriptions: dict[str, bool] = Field(description="notice type → subscribed")


ROW_EXAMPLE: dict[str, Any] = {
    "number": "3400000002", "name": "王伟", "segment": "S01", "meter_address": "000000000002", "mobile": "13800138000",
    "power_status": "connected", "power_status_since": "2026-02-27T01:00:00+00:00", "owed_cents": 12345,
    "overdue_since": "2026-01-10", "auto_reconnect": False,
    "subscriptions": {"disconnection": False, "reconnection": False, "arrears": True}}


class CustomerSearchPage(Answer):
    model_config = ConfigDict(json_schema_extra={"examples": [
        {"customers": [ROW_EXAMPLE], "total": 1, "page": 1, "size": 50}]})

    customers: list[CustomerRow]
    total: int
    page: int
    size: int


class ScreeningCriterion(Answer):
    rule: str
    holds: bool
    reason: str


class ScreeningRow(Answer):
    """One customer's M1.1 screening: each criterion, whether it holds and why it would not."""

    number: str
    name: str
    segment: str
    eligible: bool
    flagged: bool
    criteria: list[ScreeningCriterion]


class CustomerFacts(Answer):
    number: str
    name: str
    mobile: str | None
    address: str
    customer_class: str
    voltage_class: str
    meter_address: str
    meter_protocol: str
    relay_type: str
    can_direct_close: bool
    ami_connected: bool
    channel_online: bool
    channel_seen_at: datetime | None
    power_status: PowerStatus
    power_status_since: datetime | None
    auto_reconnect: bool
    auto_reconnect_by: str | None
    auto_reconnect_at: datetime | None
    protected_kind: str | None
    protected_reason: str | None
    protected_by: str | None = Field(description="who set or cleared the protection last (issue 16 item 4)")
    protected_at: datetime | None
    owed_cents: int
    overdue_since: date | None
    last_reconnected_at: datetime | None
    medical_certificate_on: date | None = None  # defers a household's cut (issue 16)
    segment: str
    segment_name: str | None
    reader_username: str | None


class OpenOrder(Answer):
    id: int
    status: str
    auto_order_no: str | None
    manual_order_no: str | None
    trigger: str
    instance_id: int | None
    opened_at: datetime
    closed_at: datetime | None
    outcome: str | None


class OpenCommand(Answer):
    command_id: str
    action: str
    status: str
    instance_id: int | None
    created_at: datetime
    sent_at: datetime | None
    deadline: datetime
    executed_at: datetime | None
    relay: str | None
    error: str | None


class InstanceBrief(Answer):
    id: int
    process_id: str
    status: str


class OpenTaskBrief(Answer):
    id: str
    element_id: str
    name: str | None
    lane: str | None = Field(description="the role of the task's lane: who may do it")
    lane_name: str | None = Field(description="the lane's name people read (审批人); null before lanes had names")
    claimed_by: str | None


class OpenInstance(Answer):
    id: int
    process_id: str
    status: str
    started_at: datetime
    started_by: str
    parent: InstanceBrief | None
    open_tasks: list[OpenTaskBrief]


class OpenItems(Answer):
    reconnections: list[OpenOrder]
    commands: list[OpenCommand] = Field(description="meter commands in flight")
    instances: list[OpenInstance] = Field(description="running instances and their open tasks")


class TimelineEntry(Answer):
    at: datetime | None
    kind: str
    actor: str | None
    instance_id: int | None
    data: dict[str, Any]


class CustomerDetail(Answer):
    """One customer: archive facts, M1.1 screening, subscriptions, what is open, timeline (newest first)."""

    model_config = ConfigDict(json_schema_extra={"examples": [{
        "customer": {
            "number": "3400000002", "name": "王伟", "mobile": "13800138000", "address": "淮南路 2 号",
            "customer_class": "resident", "voltage_class": "low", "meter_address": "000000000002",
            "meter_protocol": "DLT645-2007", "relay_type": "internal", "can_direct_close": True,
            "ami_connected": True, "channel_online": True, "channel_seen_at": "2026-03-02T01:00:00+00:00",
            "power_status": "connected", "power_status_since": "2026-02-27T01:00:00+00:00", "auto_reconnect": False,
            "auto_reconnect_by": None, "auto_reconnect_at": None, "protected_kind": None, "protected_reason": None,
            "protected_by": None, "protected_at": None, "owed_cents": 12345, "overdue_since": "2026-01-10",
            "last_reconnected_at": None, "medical_certificate_on": None, "segment": "S01", "segment_name": "淮南一段",
            "reader_username": "reader-rui"},
        "screening": {"number": "3400000002", "name": "王伟", "segment": "S01", "eligible": True, "flagged": False,
                      "criteria": [{"rule": "M1.1.1", "holds": True, "reason": ""}]},
        "subscriptions": {"disconnection": False, "reconnection": False, "arrears": True},
        "open": {
            "reconnections": [{"id": 5, "status": "open", "auto_order_no": "100000000001", "manual_order_no": None,
                               "trigger": "payment", "instance_id": 42, "opened_at": "2026-03-02T00:55:00+00:00",
                               "closed_at": None, "outcome": None}],
            "commands": [{"command_id": "HES-42-3f1c0e9a0000", "action": "direct_close", "status": "sent",
                          "instance_id": 42, "created_at": "2026-03-02T00:55:01+00:00",
                          "sent_at": "2026-03-02T00:55:03+00:00", "deadline": "2026-03-02T01:25:01+00:00",
                          "executed_at": None, "relay": None, "error": None}],
            "instances": [{"id": 43, "process_id": "disconnect_customer", "status": "running",
                           "started_at": "2026-03-01T02:00:00+00:00", "started_by": "erin",
                           "parent": {"id": 7, "process_id": "disconnect", "status": "running"},
                           "open_tasks": [{"id": "9b2f4c1e-7d3a-4e8b-a1c2-3d4e5f6a7b8c",
                                           "element_id": "enter_disconnection",
                                           "name": "Enter disconnection info (M4.3.6)", "lane": "executor",
                                           "lane_name": "执行人",
                                           "claimed_by": None}]}]},
        "timeline": [{"at": "2026-03-01T02:00:00+00:00", "kind": "customer.mobile_changed", "actor": "amy",
                      "instance_id": None, "data": {"customer": "3400000002", "old": None, "new": "13800138000"}}],
        "timeline_cut": False}]})

    customer: CustomerFacts
    screening: ScreeningRow
    subscriptions: dict[str, bool] = Field(description="notice type → subscribed")
    open: OpenItems
    timeline: list[TimelineEntry]
    timeline_cut: bool = Field(description="true: older entries are left out")


class FlagOutcome(Answer):
    model_config = ConfigDict(json_schema_extra={"examples": [
        {"customer": "3400000002", "old": False, "new": True, "changed": True, "eligible": True}]})

    customer: str
    old: bool
    new: bool
    changed: bool = Field(description="false: it already had that value")
    eligible: bool = Field(description="whether the customer passes M1.1 screening")


class MobileOutcome(Answer):
    model_config = ConfigDict(json_schema_extra={"examples": [
        {"customer": "3400000001", "old": "13800138000", "new": "13912345678", "changed": True}]})

    customer: str
    old: str | None
    new: str | None = Field(description="the 11 digits stored, or null")
    changed: bool
