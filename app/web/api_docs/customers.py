"""OpenAPI paths of the customers JSON endpoints: search and detail (M1–M2), screening and the
auto-reconnect flag (M1), SMS subscriptions (M2.1), segment readers' phones (M3)."""

from typing import Any

from app.web.api_docs.common import errors, json_content, page_params, path_param
from storage.statuses import PowerStatus

OBJECT = {"type": "object"}
POWER_STATUSES = [status.value for status in PowerStatus]
TIME = {"type": ["string", "null"], "format": "date-time"}
NOTICE = {"type": "string", "enum": ["disconnection", "reconnection", "arrears"]}
SUBSCRIPTIONS = {"type": "object", "description": "notice type → subscribed",
                 "additionalProperties": {"type": "boolean"}}
CUSTOMER_ROW = {"type": "object", "properties": {
    "number": {"type": "string"}, "name": {"type": "string"}, "segment": {"type": "string"},
    "meter_address": {"type": "string"}, "mobile": {"type": ["string", "null"]},
    "power_status": {"type": "string", "enum": POWER_STATUSES}, "power_status_since": TIME,
    "owed_cents": {"type": "integer"}, "overdue_since": {"type": ["string", "null"], "format": "date"},
    "auto_reconnect": {"type": "boolean"}, "subscriptions": SUBSCRIPTIONS}}
SCREENING_ROW = {"type": "object", "properties": {
    "number": {"type": "string"}, "name": {"type": "string"}, "segment": {"type": "string"},
    "eligible": {"type": "boolean"}, "flagged": {"type": "boolean"},
    "criteria": {"type": "array", "items": {"type": "object", "properties": {
        "rule": {"type": "string"}, "holds": {"type": "boolean"}, "reason": {"type": "string"}}}}}}
FLAG_OUTCOME = {"type": "object", "properties": {
    "customer": {"type": "string"}, "old": {"type": "boolean"}, "new": {"type": "boolean"},
    "changed": {"type": "boolean"}, "eligible": {"type": "boolean"}}}
RATES = {"type": "object", "properties": {
    "segment": {"type": ["string", "null"]}, "name": {"type": ["string", "null"]}, "customers": {"type": "integer"},
    "subscribed": {"type": "object", "additionalProperties": {"type": "integer"}},
    "rate": {"type": "object", "additionalProperties": {"type": "number"}},
    "subscribed_any": {"type": "integer"}, "rate_any": {"type": "number"}}}
SEGMENT = {"type": "object", "properties": {
    "code": {"type": "string"}, "name": {"type": "string"}, "reader_username": {"type": ["string", "null"]},
    "reader_mobile": {"type": ["string", "null"]}, "customers": {"type": "integer"}}}


def _query(name: str, description: str, **schema: Any) -> dict[str, Any]:
    return {"name": name, "in": "query", "description": description, "schema": schema or {"type": "string"}}


def _body(schema: dict[str, Any]) -> dict[str, Any]:
    """A JSON object body: a field left out of ``required`` or not among the properties is a 422."""
    return {"required": True, **json_content({**schema, "additionalProperties": False})}


def _ok(description: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {"200": {"description": description, **json_content(schema)}}


SEARCH_PARAMS = [
    _query("number", "customer number starts with"), _query("name", "name contains"),
    _query("meter", "meter address starts with"), _query("segment", "meter-reading segment code"),
    _query("power", "power status", type="string", enum=POWER_STATUSES),
    _query("arrears", "yes: owes something; no: owes nothing", type="string", enum=["yes", "no"]),
    _query("flag", "auto-reconnect flag set (yes) or not (no)", type="string", enum=["yes", "no"]),
    _query("sort", "sort key (ties by number)", type="string",
           enum=["number", "name", "segment", "owed", "overdue_since", "power_status", "power_status_since"]),
    _query("dir", "sort direction", type="string", enum=["asc", "desc"]),
    *page_params(),
]
NUMBER = path_param("number", "string")
CODE = path_param("code", "string")

PATHS: dict[str, Any] = {
    "/api/customers": {"get": {
        "summary": "Search customers (any signed-in operator); paged and sorted",
        "parameters": SEARCH_PARAMS,
        "responses": {**_ok("one page of customers", {"type": "object", "properties": {
            "customers": {"type": "array", "items": CUSTOMER_ROW}, "total": {"type": "integer"},
            "page": {"type": "integer"}, "size": {"type": "integer"}}}), **errors(400, 401)},
    }},
    "/api/customers/{number}": {"get": {
        "summary": "One customer: archive facts, M1.1 screening, subscriptions, open orders, timeline (newest first)",
        "parameters": [NUMBER],
        "responses": {**_ok("the customer", {"type": "object", "properties": {
            "customer": OBJECT, "screening": SCREENING_ROW, "subscriptions": SUBSCRIPTIONS,
            "open": {"type": "object", "properties": {"reconnections": {"type": "array", "items": OBJECT},
                                                      "commands": {"type": "array", "items": OBJECT},
                                                      "instances": {"type": "array", "items": OBJECT}}},
            "timeline": {"type": "array", "items": {"type": "object", "properties": {
                "at": TIME, "kind": {"type": "string"}, "actor": {"type": ["string", "null"]},
                "instance_id": {"type": ["integer", "null"]}, "data": OBJECT}}},
            "timeline_cut": {"type": "boolean"}}}), **errors(401, 404)},
    }},
    "/api/customers/{number}/auto-reconnect": {"post": {
        "summary": "Set or clear one customer's auto-reconnect flag (M1.2; applicant or executor). Setting it on a "
                   "customer failing M1.1 is refused unless force is true and a reason is given",
        "parameters": [NUMBER],
        "requestBody": _body({"type": "object", "required": ["value"], "properties": {
            "value": {"type": "boolean"}, "reason": {"type": "string", "maxLength": 500},
            "force": {"type": "boolean", "default": False}}}),
        "responses": {**_ok("the outcome (changed false: it already had that value)", FLAG_OUTCOME),
                      **errors(400, 401, 403, 404, 422)},
    }},
    "/api/customers/auto-reconnect": {"post": {
        "summary": "Set or clear the auto-reconnect flag of many customers, all or nothing (M1.2; applicant or "
                   "executor). Any unknown customer (404) or, when setting, any customer failing M1.1 (400) "
                   "changes nobody",
        "requestBody": _body({"type": "object", "required": ["customers", "value", "reason"], "properties": {
            "customers": {"type": "array", "items": {"type": "string"}, "minItems": 1, "maxItems": 1000},
            "value": {"type": "boolean"}, "reason": {"type": "string", "minLength": 1, "maxLength": 500}}}),
        "responses": {**_ok("what changed", {"type": "object", "properties": {
            "changed": {"type": "integer"}, "unchanged": {"type": "integer"},
            "outcomes": {"type": "array", "items": FLAG_OUTCOME}}}), **errors(400, 401, 403, 404, 422)},
    }},
    "/api/customers/{number}/mobile": {"post": {
        "summary": "Set the mobile number service SMS go to (M2.1; applicant, executor or sysadmin); "
                   "empty or null clears it (leaving the field out is a 422); a number that is not a mainland "
                   "mobile is a 422",
        "parameters": [NUMBER],
        "requestBody": _body({"type": "object", "required": ["mobile"], "properties": {
            "mobile": {"type": ["string", "null"]}}}),
        "responses": {**_ok("old and new (11 digits)", OBJECT), **errors(400, 401, 403, 404, 422)},
    }},
    "/api/customers/{number}/subscriptions": {"post": {
        "summary": "Subscribe a customer to one kind of service SMS, or unsubscribe (M2.1; applicant, executor "
                   "or sysadmin)",
        "parameters": [NUMBER],
        "requestBody": _body({"type": "object", "required": ["notice_type", "subscribed"], "properties": {
            "notice_type": NOTICE, "subscribed": {"type": "boolean"}}}),
        "responses": {**_ok("old and new", OBJECT), **errors(400, 401, 403, 404, 422)},
    }},
    "/api/screening": {"get": {
        "summary": "M1.1 screening of the customers with the reasons (applicant, executor or sysadmin); counts "
                   "over the segment (or archive), rows filtered and paged",
        "parameters": [
            _query("segment", "meter-reading segment code"),
            _query("only", "keep these", type="string", enum=["eligible", "ineligible", "flagged_but_ineligible"]),
            _query("failing", "keep customers failing this criterion", type="string",
                   enum=["M1.1.1", "M1.1.2", "M1.1.3", "M1.1.4"]),
            *page_params()],
        "responses": {**_ok("the report page", {"type": "object", "properties": {
            "summary": {"type": "object", "additionalProperties": {"type": "integer"}},
            "failing_counts": {"type": "object", "additionalProperties": {"type": "integer"}},
            "rows": {"type": "array", "items": SCREENING_ROW}, "total": {"type": "integer"},
            "page": {"type": "integer"}, "size": {"type": "integer"}, "pages": {"type": "integer"}}}),
            **errors(400, 401, 403, 404)},
    }},
    "/api/subscriptions/rates": {"get": {
        "summary": "SMS subscription rate per segment and in all (M2.1; any signed-in operator)",
        "responses": {**_ok("rates as fractions 0..1", {"type": "object", "properties": {
            "segments": {"type": "array", "items": RATES}, "total": RATES}}), **errors(401)},
    }},
    "/api/segments": {"get": {
        "summary": "Meter-reading segments with their reader and the reader's mobile (M3.1; sysadmin)",
        "responses": {**_ok("the segments", {"type": "object", "properties": {
            "segments": {"type": "array", "items": SEGMENT}}}), **errors(401, 403)},
    }},
    "/api/segments/{code}": {
        "get": {
            "summary": "One segment with the history of its reader and mobile, old → new (M3; sysadmin)",
            "parameters": [CODE],
            "responses": {**_ok("the segment", {"allOf": [SEGMENT, {"type": "object", "properties": {
                "history": {"type": "array", "items": OBJECT}}}]}), **errors(401, 403, 404)},
        },
        "post": {
            "summary": "Change a segment's reader mobile (and, if given, its reader) (M3.2; sysadmin). A malformed "
                       "mobile or username is a 422 naming the field; null or empty clears",
            "parameters": [CODE],
            "requestBody": _body({"type": "object", "required": ["reader_mobile"], "properties": {
                "reader_mobile": {"type": ["string", "null"]}, "reader_username": {"type": ["string", "null"]}}}),
            "responses": {**_ok("old and new", OBJECT), **errors(400, 401, 403, 404, 422)},
        },
    },
}
