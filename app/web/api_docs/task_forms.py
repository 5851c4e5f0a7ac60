"""OpenAPI paths of the task_forms JSON endpoints: a task's detail, checking and completing its
form, and starting a disconnection application."""

from typing import Any

from app.web.api_docs.common import errors, json_content, path_param

TASK_ID = path_param("task_id", "string")
FORM_DATA = {"type": "object", "description": "The form's fields, as `form.fields` of GET /api/tasks/{task_id} "
                                              "lists them (the shape the task's validator takes)."}

TASK = {"type": "object", "properties": {
    "id": {"type": "string"}, "element_id": {"type": "string"}, "name": {"type": "string"},
    "lane": {"type": ["string", "null"]}, "claimed_by": {"type": ["string", "null"]},
    "created_at": {"type": "string", "format": "date-time"},
    "may_complete": {"type": "boolean"}, "blocked": {"type": ["string", "null"],
                                                     "description": "why you cannot complete it now"},
    "process": {"type": "object", "properties": {"id": {"type": "string"}, "name": {"type": "string"}}},
    "instance": {"type": "object", "properties": {
        "id": {"type": "integer"}, "status": {"type": "string"}, "parent_id": {"type": ["integer", "null"]},
        "started_by": {"type": "string"},
        "attributes": {"type": "object", "additionalProperties": {"type": "string"}}}},
    "instructions": {"type": ["string", "null"]},
    "form": {"type": ["object", "null"], "description": "null: no form is installed for this task",
             "properties": {"id": {"type": "string"},
                            "fields": {"type": "object", "additionalProperties": {"type": "string"}},
                            "warnings": {"type": "array", "items": {"type": "string"}}}},
    "context": {"type": "object", "description": "what the form shows to decide (customers, arrears, outcomes...)"},
    "data": {"type": "object", "description": "the part of the task's data the form shows"},
}}

PATHS: dict[str, Any] = {
    "/api/tasks/{task_id}": {"get": {
        "summary": "An open task: its process, instance, form fields, the context the form shows, and its data",
        "description": "Needs the role of the task's lane. The application's customer search takes the query "
                       "arguments find_number, find_segment, find_reader, find_min_arrears (yuan).",
        "parameters": [TASK_ID],
        "responses": {"200": {"description": "the task", **json_content(TASK)}, **errors(401, 403, 404)},
    }},
    "/api/tasks/{task_id}/check": {"post": {
        "summary": "Run the task's validator on form data without completing: errors and warnings before sending",
        "description": "Warnings (such as M4.1's customer of another reader's segment) are not refusals.",
        "parameters": [TASK_ID], "requestBody": json_content(FORM_DATA),
        "responses": {"200": {"description": "the verdict", **json_content({"type": "object", "properties": {
            "ok": {"type": "boolean"}, "errors": {"type": "object", "additionalProperties": {"type": "string"}},
            "warnings": {"type": "array", "items": {"type": "string"}},
            "data": {"type": "object", "description": "what completing would store"}}})},
            **errors(400, 401, 403, 404)},
    }},
    "/api/tasks/{task_id}/complete": {"post": {
        "summary": "Complete the task with its form data (validated server-side by the diagram's validator)",
        "description": "An unclaimed task may be completed by anyone holding its lane's role; a task claimed by "
                       "someone else, or whose instance is not running, is a 409.",
        "parameters": [TASK_ID], "requestBody": json_content(FORM_DATA),
        "responses": {"200": {"description": "completed", **json_content({"type": "object", "properties": {
            "completed": {"type": "string"}, "instance_id": {"type": "integer"},
            "next_tasks": {"type": "array", "description": "the instance's next tasks open to you",
                           "items": {"type": "object"}}}})},
            **errors(400, 401, 403, 404, 409, 422)},
    }},
    "/api/disconnections": {"post": {
        "summary": "Start a disconnection application (M4.1); complete the apply task it returns",
        "description": "Who may start is the diagram's start lane (applicants). The body is an empty object.",
        "requestBody": json_content({"type": "object", "maxProperties": 0}),
        "responses": {"201": {"description": "started", **json_content({"type": "object", "properties": {
            "instance_id": {"type": "integer"}, "task_id": {"type": ["string", "null"]},
            "task_url": {"type": ["string", "null"]}}})},
            **errors(400, 401, 403, 404)},
    }},
}
