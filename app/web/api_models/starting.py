"""Starting a deployed process from the "start" page's API: the processes you may start, and a start."""

from __future__ import annotations

from typing import Any

from pydantic import ConfigDict, Field

from app.web.api_models.base import Answer, Body


class StartableProcess(Answer):
    id: str = Field(description="the process id")
    name: str
    form: dict[str, Any] | None = Field(description=(
        "the start event's form, a JSON Schema (draft 2020-12) whose fields POST /api/start/{process_id} "
        "takes; null: the process starts without data"))
    url: str = Field(description="the start page of the process")


class StartableList(Answer):
    """The deployed processes whose diagrams let you start them (the role of the start event's lane)."""

    model_config = ConfigDict(json_schema_extra={"examples": [{"processes": [
        {"id": "disconnect", "name": "Disconnection for arrears", "form": None, "url": "/start/disconnect"}]}]})

    processes: list[StartableProcess]


class StartData(Body):
    """The start event's form fields (its JSON Schema, ``form`` of GET /api/start); an empty object for a
    process that starts without a form. A field the form does not have is a 400; the schema judges the
    values, 422 per field."""

    model_config = ConfigDict(extra="allow", json_schema_extra={"examples": [{}]})


class ProcessStarted(Answer):
    model_config = ConfigDict(json_schema_extra={"examples": [{
        "instance_id": 7, "task_id": "5d0e9f5c-3c53-4a39-9a43-0d6f7e1c2b11",
        "task_url": "/tasks/5d0e9f5c-3c53-4a39-9a43-0d6f7e1c2b11"}]})

    instance_id: int
    task_id: str | None = Field(description="your first task in the new instance, if it has one for you")
    task_url: str | None
