"""A task's detail, checking and completing its form, and starting a disconnection application.

Each task form's fields are a model (``ApplicationForm``...): a field the form does not have is
refused (400), naming it. Whether a field is given and what it holds is for the task's validator
to judge — the one its diagram names, which also judges the page's form — and it answers 422
per field; so the fields are documented with the types the validator takes but not checked twice.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import ConfigDict, Field, RootModel, WithJsonSchema

from app.web.api_models.base import Answer, Body, Query
from handlers.disconnection import DECISIONS

# Form fields: any JSON value reaches the validator; the schema is what it takes.
CustomerNumbers = Annotated[Any, WithJsonSchema({"type": "array", "items": {"type": "string"}})]
FreeText = Annotated[Any, WithJsonSchema({"type": "string"})]
Day = Annotated[Any, WithJsonSchema({"type": "string", "format": "date"})]
Time = Annotated[Any, WithJsonSchema({"type": "string", "format": "date-time"})]
Flag = Annotated[Any, WithJsonSchema({"type": "boolean"})]
Decision = Annotated[Any, WithJsonSchema({"type": "string", "enum": list(DECISIONS)})]
Reasons = Annotated[Any, WithJsonSchema({"type": "object", "additionalProperties": {"type": "string"}})]
Yes = Annotated[Any, WithJsonSchema({"type": "boolean", "const": True})]


class FormData(Body):
    """A task form's fields (the validator's data shape)."""


class ApplicationForm(FormData):
    """Apply for a disconnection (M4.1)."""

    model_config = ConfigDict(json_schema_extra={"examples": [
        {"customers": ["3400000011"], "reason": "arrears over 60 days", "planned_date": "2026-03-02"}]})

    customers: CustomerNumbers = Field(None, description="customer numbers (in arrears, connected, not "
                                                                  "protected), at least one; required")
    reason: FreeText = Field(None, description="text, required")
    reason_code: FreeText = Field(None, description="a disconnection reason code in use (the sysadmin keeps the "
                                                    "list at /reason-codes); default: the first in use, 01 as shipped")
    planned_date: Day = Field(
        None, description="YYYY-MM-DD, today or later (the SMS notice names it); required")


class ApprovalForm(FormData):
    """Approve an application or send it back (M4.2)."""

    model_config = ConfigDict(json_schema_extra={"examples": [{"opinion": "agreed", "decision": "approve"}]})

    opinion: FreeText = Field(None, description="text, required")
    decision: Decision = Field(None, description=" | ".join(DECISIONS))


class IssueForm(FormData):
    """Issue the disconnect commands (M4.3.2–3): each customer who paid meanwhile kept or cancelled."""

    model_config = ConfigDict(json_schema_extra={"examples": [{"keep": {}, "cancel": []}]})

    keep: Reasons = Field(
        None, description="object: customer number → reason, for paid customers disconnected anyway")
    cancel: CustomerNumbers = Field(None, description="array of paid customers taken out of the flow")


class ArchiveEmptyForm(FormData):
    """Archive a batch no customer is left in (M4.3.4)."""

    model_config = ConfigDict(json_schema_extra={"examples": [{"archive": True}]})

    archive: Yes = Field(
        None, description="true: archive the flow that has no customer left")


class SendToArchiveForm(FormData):
    """Send a batch on to archive (M4.3.7): no fields."""

    model_config = ConfigDict(json_schema_extra={"examples": [{}]})


class ManualEntryForm(FormData):
    """A disconnection done on site, entered by hand (M4.3.6)."""

    model_config = ConfigDict(json_schema_extra={"examples": [
        {"disconnected": True, "disconnected_at": "2026-03-02T09:01:00+08:00", "note": "meter box sealed"}]})

    disconnected: Flag = Field(None, description="boolean: was the customer disconnected "
                                                                        "on site")
    disconnected_at: Time = Field(None, description="ISO-8601 time with zone, not in the future (required "
                                                            "when disconnected)")
    note: FreeText = Field(None, description="text")


class OnSiteForm(FormData):
    """Power restored on site (M5.4)."""

    model_config = ConfigDict(json_schema_extra={"examples": [
        {"reconnected_at": "2026-03-02T09:02:00+08:00", "note": "relay closed by hand"}]})

    reconnected_at: Time = Field(None, description="ISO-8601 time with zone, not in the future")
    note: FreeText = Field(None, description="text")


class SchemaFormFields(FormData):
    """A form the diagram writes as a JSON Schema: exactly its fields (``form.schema`` of
    GET /api/tasks/{task_id}); the schema judges their values, 422 per field."""

    model_config = ConfigDict(extra="allow", json_schema_extra={"examples": [{"choice": "ok", "comment": "checked"}]})


FORM_MODELS = (ApplicationForm, ApprovalForm, IssueForm, ArchiveEmptyForm, SendToArchiveForm, ManualEntryForm,
               OnSiteForm)


class TaskFormData(RootModel[ApplicationForm | ApprovalForm | IssueForm | ArchiveEmptyForm | SendToArchiveForm |
                             ManualEntryForm | OnSiteForm | SchemaFormFields]):
    """The fields of the task's own form, as ``form.fields`` of GET /api/tasks/{task_id} lists them."""


class TaskArgs(Query):
    """The application form's customer search (the other forms take no arguments). Empty is a
    value here: ``find_reader=`` searches every reader's segments."""

    model_config = ConfigDict(json_schema_extra={"examples": [{"find_segment": "S01", "find_min_arrears": "200"}]})
    keeps_empty = True

    find_number: str | None = Field(None, description="customer number starts with")
    find_segment: str | None = Field(None, description="segment code")
    find_reader: str | None = Field(None, description="the segment's reader (default: you)")
    find_min_arrears: str | None = Field(None, description="least arrears, yuan")


class ProcessRef(Answer):
    id: str
    name: str


class TaskInstance(Answer):
    id: int
    status: str
    parent_id: int | None
    started_by: str
    attributes: dict[str, str]


class TaskFormShown(Answer):
    id: str = Field(description="the form (its validator's name)")
    fields: dict[str, str] = Field(description="field → what to send")
    warnings: list[str] = Field(description="keys of the checked data that hold warnings")
    schema_: dict[str, Any] | None = Field(None, alias="schema", description=(
        'a form the diagram writes (id "schema"): its JSON Schema, draft 2020-12, with titles in English '
        '(title) and Chinese (x-title-zh), enum labels (x-labels) and x-ui hints textarea | radio | select | date'))


class TaskDetail(Answer):
    """An open task: its process, instance, form fields, the context the form shows, and its data."""

    model_config = ConfigDict(json_schema_extra={"examples": [{
        "id": "5d0e9f5c-3c53-4a39-9a43-0d6f7e1c2b11", "element_id": "approve", "name": "Approve the disconnection",
        "lane": "approver", "lane_name": "审批人",
        "claimed_by": None, "created_at": "2026-03-02T01:00:00+00:00", "may_complete": True,
        "blocked": None, "process": {"id": "disconnect", "name": "Arrears disconnection"},
        "instance": {"id": 7, "status": "running", "parent_id": None, "started_by": "reader-rui",
                     "attributes": {"batch": "7"}},
        "instructions": None,
        "form": {"id": "disconnection.approval", "fields": {"opinion": "text, required",
                                                            "decision": "approve | send_back"}, "warnings": []},
        "context": {"customers": [], "total_owed": "0.00"},
        "data": {"customers": ["3400000011"], "reason": "arrears over 60 days"}}]})

    id: str
    element_id: str
    name: str
    lane: str | None = Field(description="the role of the task's lane: who may do it")
    lane_name: str | None = Field(description="the lane's name people read (审批人); null before lanes had names")
    claimed_by: str | None
    created_at: datetime
    may_complete: bool
    blocked: str | None = Field(description="why you cannot complete it now")
    process: ProcessRef
    instance: TaskInstance
    instructions: str | None
    form: TaskFormShown | None = Field(description="null: no form is installed for this task")
    context: dict[str, Any] = Field(description="what the form shows to decide (customers, arrears, outcomes...)")
    data: dict[str, Any] = Field(description="the part of the task's data the form shows")


class FormCheck(Answer):
    """The validator's verdict on the data, nothing completed."""

    model_config = ConfigDict(json_schema_extra={"examples": [{
        "ok": True, "errors": {}, "warnings": ["3400000011: segment S01 belongs to reader-rui"],
        "data": {"customers": ["3400000011"], "reason": "arrears", "planned_date": "2026-03-02"}}]})

    ok: bool
    errors: dict[str, str]
    warnings: list[str]
    data: dict[str, Any] = Field(description="what completing would store")


class NextTask(Answer):
    id: str
    element_id: str
    name: str | None
    url: str


class Completed(Answer):
    model_config = ConfigDict(json_schema_extra={"examples": [{
        "completed": "5d0e9f5c-3c53-4a39-9a43-0d6f7e1c2b11", "instance_id": 7, "next_tasks": [
            {"id": "0c6a1f7e-2b3d-4c5e-8f9a-1b2c3d4e5f60", "element_id": "issue", "name": "Issue the disconnection",
             "url": "/api/tasks/0c6a1f7e-2b3d-4c5e-8f9a-1b2c3d4e5f60"}]}]})

    completed: str = Field(description="the task completed")
    instance_id: int
    next_tasks: list[NextTask] = Field(description="the instance's next tasks open to you")


class Started(Answer):
    model_config = ConfigDict(json_schema_extra={"examples": [{
        "instance_id": 7, "task_id": "5d0e9f5c-3c53-4a39-9a43-0d6f7e1c2b11",
        "task_url": "/tasks/5d0e9f5c-3c53-4a39-9a43-0d6f7e1c2b11"}]})

    instance_id: int
    task_id: str | None = Field(description="the apply task to complete")
    task_url: str | None
