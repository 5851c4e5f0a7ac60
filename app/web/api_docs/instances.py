"""OpenAPI paths of the instances JSON endpoints."""

from typing import Any

from app.web.api_docs.common import errors, json_content, page_params, path_param
from storage.statuses import InstanceStatus

_TEXT = {"type": "string"}
_TIME = {"type": ["string", "null"], "format": "date-time"}
_STATUS = {"type": "string", "enum": [status.value for status in InstanceStatus]}
_IDS = {"type": "array", "items": _TEXT}

SUMMARY_FIELDS: dict[str, Any] = {
    "id": {"type": "integer"}, "process_id": _TEXT, "process_name": {"type": ["string", "null"]},
    "version": {"type": "integer"}, "status": _STATUS, "started_by": _TEXT, "created_at": _TIME,
    "updated_at": _TIME, "ended_at": _TIME, "parent_id": {"type": ["integer", "null"]},
    "open_tasks": {"type": "integer"}, "has_incident": {"type": "boolean"},
    "attributes": {"type": "object", "additionalProperties": _TEXT,
                   "description": "work_order / manual_order / batch, customer, segment"},
    "url": _TEXT}
SUMMARY = {"type": "object", "properties": SUMMARY_FIELDS}
INCIDENT = {"type": "object", "properties": {
    "id": {"type": "integer"}, "element_id": {"type": ["string", "null"]}, "error": _TEXT, "created_at": _TIME,
    "resolved_at": _TIME, "resolved_by": {"type": ["string", "null"]}, "open": {"type": "boolean"},
    "retry": {"type": ["string", "null"], "description": "POST here to retry (open incidents only)"}}}
STATE = {"type": "object", "properties": {
    "id": {"type": "integer"}, "status": _STATUS, "status_reason": {"type": ["string", "null"]},
    "open_incidents": {"type": "array", "items": INCIDENT}}}
REASON = {"required": True, **json_content({"type": "object", "required": ["reason"], "properties": {
    "reason": {"type": "string", "minLength": 1, "maxLength": 2000,
               "description": "why; recorded in the instance's history"}}})}

_FILTERS = [
    {"name": "process", "in": "query", "schema": _TEXT, "description": "process id, e.g. reconnect"},
    {"name": "status", "in": "query", "schema": _STATUS},
    {"name": "work_order", "in": "query", "schema": _TEXT,
     "description": "a work-order number (automatic, manual or batch), exact"},
    {"name": "customer", "in": "query", "schema": _TEXT, "description": "customer number, exact"},
    {"name": "segment", "in": "query", "schema": _TEXT, "description": "segment code, exact"},
    {"name": "has_incident", "in": "query", "schema": {"type": "string", "enum": ["yes", "no"]}},
    {"name": "parent", "in": "query", "schema": {"type": "integer"}, "description": "children of this instance"},
    {"name": "sort", "in": "query", "schema": {"type": "string", "enum": ["newest", "oldest"]},
     "description": "default newest (highest id) first"},
]


def _lifecycle(what: str) -> dict[str, Any]:
    return {"post": {
        "summary": f"{what} an instance, with a reason (system administrators)",
        "parameters": [path_param("instance_id")], "requestBody": REASON,
        "responses": {"200": {"description": "the instance's new state", **json_content(STATE)},
                      **errors(400, 401, 403, 404, 409, 422)},
    }}


PATHS: dict[str, Any] = {
    "/api/instances": {"get": {
        "summary": "Process instances matching the filters, newest first, paged",
        "parameters": [*_FILTERS, *page_params()],
        "responses": {"200": {"description": "one page", **json_content({"type": "object", "properties": {
            "items": {"type": "array", "items": SUMMARY}, "page": {"type": "integer"}, "size": {"type": "integer"},
            "sort": _TEXT, "total": {"type": "integer"}, "has_next": {"type": "boolean"}}})},
            **errors(400, 401)},
    }},
    "/api/instances/{instance_id}": {"get": {
        "summary": "One instance: facts, attributes, parent and children, open tasks, incidents, recent history",
        "parameters": [path_param("instance_id"),
                       {"name": "history", "in": "query", "schema": {"type": "integer", "minimum": 0, "maximum": 500},
                        "description": "how many of the latest history events to include (default 50)"}],
        "responses": {"200": {"description": "the instance", **json_content({"type": "object", "properties": {
            **SUMMARY_FIELDS, "status_reason": {"type": ["string", "null"]}, "deployment_id": {"type": "integer"},
            "next_wake_at": _TIME, "start_data": {"type": ["object", "null"]}, "result": {},
            "parent": {"type": ["object", "null"]},
            "children": {"type": "object", "properties": {"total": {"type": "integer"}, "by_status": {"type": "object"},
                                                          "first": {"type": "array", "items": SUMMARY}, "all": _TEXT}},
            "tasks": {"type": "array", "items": {"type": "object", "properties": {
                "id": _TEXT, "element_id": _TEXT, "name": {"type": ["string", "null"]},
                "lane": {"type": ["string", "null"]}, "claimed_by": {"type": ["string", "null"]},
                "created_at": _TIME, "url": _TEXT}}},
            "incidents": {"type": "array", "items": INCIDENT},
            "history": {"type": "object", "properties": {
                "total": {"type": "integer"}, "shown": {"type": "integer"}, "last_at": _TIME,
                "events": {"type": "array", "items": {"type": "object", "properties": {
                    "seq": {"type": "integer"}, "type": _TEXT, "element_id": {"type": ["string", "null"]},
                    "actor": _TEXT, "at": _TIME, "data": {"type": "object"}}}}}},
            "diagram": _TEXT}})},
            **errors(400, 401, 404)},
    }},
    "/api/instances/{instance_id}/diagram": {"get": {
        "summary": "The BPMN XML the instance's version was deployed with, and the element ids to highlight",
        "parameters": [path_param("instance_id"),
                       {"name": "format", "in": "query", "schema": {"type": "string", "enum": ["json", "xml"]},
                        "description": "xml: the deployed file alone (application/xml)"}],
        "responses": {"200": {"description": "the diagram", "content": {
            "application/json": {"schema": {"type": "object", "properties": {
                "instance_id": {"type": "integer"}, "process_id": _TEXT, "version": {"type": "integer"},
                "deployment_id": {"type": "integer"}, "file": _TEXT, "status": _STATUS, "xml": _TEXT,
                "highlights": {"type": "object", "properties": {
                    "completed": _IDS, "taken_flows": _IDS, "active": _IDS, "tasks": _IDS, "incidents": _IDS,
                    "spawns_children": _IDS}}}}},
            "application/xml": {"schema": _TEXT}}},
            **errors(400, 401, 404)},
    }},
    "/api/instances/{instance_id}/terminate": _lifecycle("Terminate (with every active child)"),
    "/api/instances/{instance_id}/suspend": _lifecycle("Suspend"),
    "/api/instances/{instance_id}/resume": _lifecycle("Resume"),
    "/api/incidents/{incident_id}/retry": {"post": {
        "summary": "Retry the failed step of an open incident (executors, system administrators); no body needed",
        "parameters": [path_param("incident_id")],
        "requestBody": {"required": False, **json_content({"type": "object"})},
        "responses": {"200": {"description": "the instance's state after the retry (a new failure opens a new "
                                             "incident)", **json_content(STATE)},
                      **errors(400, 401, 403, 404, 409, 422)},
    }},
}
