"""OpenAPI paths of the inbox JSON endpoints."""

from typing import Any

from app.web.api_docs.common import errors, json_content, page_params, path_param
from storage.statuses import ACTIVE_INSTANCE

_ACTIONS = {"type": "object", "description": "what the caller may do with the task now",
            "properties": {"claim": {"type": "boolean"}, "unclaim": {"type": "boolean"},
                           "reassign": {"type": "boolean"}}}

TASK_ROW: dict[str, Any] = {
    "type": "object",
    "required": ["id", "name", "element_id", "lane", "process_id", "instance_id", "created_at", "due_at",
                 "overdue", "claimed_by", "actions"],
    "properties": {
        "id": {"type": "string", "description": "the task id (a UUID)"},
        "name": {"type": ["string", "null"]},
        "element_id": {"type": "string", "description": "the user task's BPMN id"},
        "lane": {"type": ["string", "null"], "description": "the role that works on it"},
        "process_id": {"type": "string"},
        "process_name": {"type": "string"},
        "instance_id": {"type": "integer"},
        "instance_status": {"type": "string", "enum": [status.value for status in ACTIVE_INSTANCE]},
        "batch_id": {"type": "integer", "description": "the flow's number: a child's batch, else its own instance"},
        "order_number": {"type": ["string", "null"], "description": "reconnection work order (10… or 14…)"},
        "customers": {"type": "array", "description": "the first three customers the task concerns",
                      "items": {"type": "object", "properties": {"number": {"type": "string"},
                                                                 "name": {"type": ["string", "null"]}}}},
        "customer_count": {"type": "integer"},
        "segments": {"type": "array", "items": {"type": "string"}},
        "created_at": {"type": "string", "format": "date-time"},
        "age_seconds": {"type": "integer"},
        "due_at": {"type": ["string", "null"], "format": "date-time",
                   "description": "created_at + the task's due_in property in the diagram"},
        "overdue": {"type": "boolean"},
        "claimed_by": {"type": ["string", "null"]},
        "offered_to": {"type": ["string", "null"],
                       "description": "whom the diagram's offer_to names (in their 'my tasks' while unclaimed)"},
        "url": {"type": "string", "description": "the task's form page"},
        "actions": _ACTIONS,
    },
}

_TASK = json_content({"type": "object", "properties": {"task": TASK_ROW}})


def _query(name: str, description: str, schema: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"name": name, "in": "query", "description": description, "schema": schema or {"type": "string"}}


def _action(summary: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
    operation: dict[str, Any] = {
        "summary": summary,
        "parameters": [path_param("task_id", "string")],
        "responses": {"200": {"description": "the task as the inbox now lists it", **_TASK},
                      **errors(400, 401, 403, 404, 409)},
    }
    if body is not None:
        operation["requestBody"] = {"required": True, **json_content(body)}
    return {"post": operation}


PATHS: dict[str, Any] = {
    "/api/tasks": {"get": {
        "summary": "Open user tasks: one tab of the inbox, filtered, ordered and paged",
        "parameters": [
            _query("tab", "mine: claimed by me; groups (default): unclaimed, in a lane I hold; "
                          "all: every open task (approvers and system administrators only)",
                   {"type": "string", "enum": ["mine", "groups", "all"], "default": "groups"}),
            _query("process", "process id"),
            _query("task", "the user task's BPMN id"),
            _query("segment", "meter-reading segment of one of the task's customers"),
            _query("customer", "customer number"),
            _query("overdue", "1: only tasks past their due time", {"type": "string", "enum": ["0", "1"]}),
            _query("sort", "due (default: soonest due first), age (oldest first), process, task; "
                           "a leading '-' reverses", {"type": "string", "default": "due"}),
            *page_params(),
        ],
        "responses": {"200": {"description": "one page of tasks", **json_content({
            "type": "object", "required": ["rows", "total", "page", "size", "pages"],
            "properties": {"tab": {"type": "string"}, "sort": {"type": "string"}, "filters": {"type": "object"},
                           "rows": {"type": "array", "items": TASK_ROW}, "total": {"type": "integer"},
                           "page": {"type": "integer"}, "size": {"type": "integer"},
                           "pages": {"type": "integer"}}})},
                      **errors(400, 401, 403)},
    }},
    "/api/tasks/{task_id}/claim": _action(
        "Claim an unclaimed task of your lane (409 'already claimed by X' if someone was quicker)"),
    "/api/tasks/{task_id}/unclaim": _action(
        "Release a task: your own, or as a supervisor (a system administrator, or an approver in the lane)"),
    "/api/tasks/{task_id}/reassign": _action(
        "Give a task to a user holding its lane's role: its claimant may hand it on; taking it from someone "
        "else needs a supervisor",
        {"type": "object", "required": ["to"], "properties": {"to": {"type": "string", "description": "username"}}}),
}
