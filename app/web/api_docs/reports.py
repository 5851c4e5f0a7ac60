"""OpenAPI paths of the auditor's reports (JSON; the page offers the same tables as CSV)."""

from typing import Any

from app.web.api_docs.common import errors, json_content

_INT = {"type": "integer"}
_HOURS = {"type": ["number", "null"]}
_TIME = {"type": "string", "format": "date-time"}
COUNTS = {"type": "object", "properties": {
    "day": {"type": ["string", "null"], "format": "date"}, "segment": {"type": ["string", "null"]},
    "disconnected_remote": _INT, "disconnected_on_site": _INT, "reconnected_remote": _INT,
    "reconnected_on_site": _INT, "manual_orders": _INT}}
CASE = {"type": "object", "properties": {
    "order_no": {"type": "string"}, "customer": {"type": "string"}, "segment": {"type": "string"},
    "paid_at": _TIME, "restored_at": _TIME, "how": {"type": "string", "enum": ["remote", "on_site"]},
    "hours": {"type": "number"}}}
ATTEMPTS = {"type": "object", "properties": {
    "segment": {"type": ["string", "null"]}, "concluded": _INT,
    "by_send": {"type": "object", "additionalProperties": _INT, "description": "send number → remote successes"},
    "all_failed": _INT, "first_attempt_rate": {"type": "number", "minimum": 0, "maximum": 1}}}
MANUAL = {"type": "object", "properties": {
    "order_no": {"type": "string"}, "customer": {"type": "string"}, "segment": {"type": "string"},
    "opened_at": _TIME, "why": {"type": "string", "enum": ["remote_failed", "not_flagged"]}, "sends": _INT,
    "status": {"type": "string"}, "restored_at": {"type": ["string", "null"], "format": "date-time"}}}
REPORTS = {"type": "object", "properties": {
    "period": {"type": "object", "properties": {
        "from": {"type": "string", "format": "date"}, "to": {"type": "string", "format": "date"},
        "segment": {"type": ["string", "null"]}, "time_zone": {"type": "string"}}},
    "total": COUNTS, "per_day": {"type": "array", "items": COUNTS},
    "per_segment": {"type": "array", "items": COUNTS}, "daily": {"type": "array", "items": COUNTS},
    "payment_to_reconnection": {"type": "object", "properties": {
        "cases": _INT, "median_hours": _HOURS, "p95_hours": _HOURS,
        "percentile_method": {"type": "string", "description": "nearest-rank: the ⌈p×n⌉-th smallest"},
        "over_24h_count": _INT, "over_24h": {"type": "array", "items": CASE}, "without_payment": _INT}},
    "first_attempt": {"type": "object", "properties": {
        "total": ATTEMPTS, "per_segment": {"type": "array", "items": ATTEMPTS}}},
    "manual_orders": {"type": "array", "items": MANUAL}}}

PATHS: dict[str, Any] = {
    "/api/reports": {"get": {
        "summary": "The auditor's reports for a period (auditors, system administrators)",
        "parameters": [
            {"name": "from", "in": "query", "schema": {"type": "string", "format": "date"},
             "description": "first Beijing day, YYYY-MM-DD (default: 29 days before `to`)"},
            {"name": "to", "in": "query", "schema": {"type": "string", "format": "date"},
             "description": "last Beijing day, inclusive (default: today); at most 366 days in all"},
            {"name": "segment", "in": "query", "schema": {"type": "string"}, "description": "one segment code"}],
        "responses": {"200": {"description": "the reports", **json_content(REPORTS)}, **errors(400, 401, 403)},
    }},
}
