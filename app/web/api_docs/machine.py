"""OpenAPI paths of the machine callbacks: billing's payments and the head-end's results, with the
exact rules their fields are read by (``handlers.inbound_fields``) and the limits in force."""

from typing import Any

from app.usecases.inbound_models import MAX_PAYMENT
from app.web.api_docs.common import ERROR, json_content
from app.web.machine_api import MAX_BATCH, MAX_DEPTH
from handlers.headend import MAX_ERROR_TEXT, RELAY_STATES, STAGES
from handlers.inbound_fields import CLOCK_SKEW, OLDEST, PLAIN_DECIMAL

_WINDOW = (f"ISO 8601 with a zone (`Z` or `±hh:mm`), ASCII digits, between {OLDEST.days} days ago and "
           f"{int(CLOCK_SKEW.total_seconds() // 60)} minutes ahead of our clock")
_ID = {"type": "string", "minLength": 1, "pattern": r"^\S(.*\S)?$",
       "description": "printable characters, no space around them"}

PAYMENT: dict[str, Any] = {
    "type": "object", "required": ["payment_id", "customer_number", "amount", "paid_at"],
    "properties": {
        "payment_id": {**_ID, "maxLength": 64, "description": "billing's id of the payment: the same id again is "
                       "the same payment (an exact resend answers duplicate; one that differs is a 409)"},
        "customer_number": {**_ID, "maxLength": 32},
        "amount": {"description": f"yuan, > 0 and at most {MAX_PAYMENT}, at most 2 decimals: a JSON number or a "
                                  "plain decimal string (no exponent, sign, spaces, '_' or non-ASCII digits)",
                   "oneOf": [{"type": "number", "exclusiveMinimum": 0, "maximum": int(MAX_PAYMENT)},
                             {"type": "string", "pattern": f"^{PLAIN_DECIMAL.pattern}$"}]},
        "paid_at": {"type": "string", "format": "date-time", "description": _WINDOW},
    },
    "example": {"payment_id": "B-20260302-0001", "customer_number": "3400000021", "amount": "88.50",
                "paid_at": "2026-03-02T09:15:00+08:00"},
}
HEADEND_RESULT: dict[str, Any] = {
    "type": "object", "required": ["result_id", "command_id", "stage", "at"], "additionalProperties": False,
    "properties": {
        "result_id": {**_ID, "maxLength": 200, "description": "the head-end's id of this result (idempotency)"},
        "command_id": {**_ID, "maxLength": 64, "description": "the command the result is for"},
        "stage": {"type": "string", "enum": list(STAGES)},
        "relay": {"type": ["string", "null"], "enum": [*RELAY_STATES, None],
                  "description": "the relay's state; required when the stage is executed"},
        "at": {"type": "string", "format": "date-time", "description": _WINDOW},
        "error": {"type": ["string", "null"], "maxLength": MAX_ERROR_TEXT,
                  "description": "why it failed (text; line breaks allowed, no other control characters)"},
    },
    "example": {"result_id": "R-1", "command_id": "HES-17-3f1c0e9a0000", "stage": "executed", "relay": "closed",
                "at": "2026-03-02T09:15:00+08:00", "error": None},
}
_BATCH_ITEM = {"type": "object", "required": ["ok"], "properties": {
    "ok": {"type": "boolean"}, "status": {"type": "integer", "description": "an item's own refusal (4xx), or 500"},
    "error": {"type": "string"}}, "additionalProperties": True}


def _callback(summary: str, scheme: str, item: dict[str, Any], outcome: dict[str, Any],
              refusals: dict[str, str]) -> dict[str, Any]:
    return {"post": {
        "summary": summary,
        "description": f"One item (a JSON object) or a batch (a JSON list of at most {MAX_BATCH}); arrays and "
                       f"objects nested at most {MAX_DEPTH} deep. Every item is recorded in the history, refused "
                       "ones too, with the reason. A batch answers 200 with one outcome per item, in order: "
                       "{\"ok\": true, ...} or {\"ok\": false, \"status\": 4xx, \"error\": ...}, each item in its "
                       "own transaction. No session, no CSRF token: the bearer token is the credential.",
        "security": [{scheme: []}],
        "requestBody": {"required": True, **json_content({"oneOf": [
            item, {"type": "array", "maxItems": MAX_BATCH, "items": item}]})},
        "responses": {
            "200": {"description": "the outcome (one item) or the outcomes (a batch)",
                    **json_content({"oneOf": [outcome, {"type": "array", "items": _BATCH_ITEM}]})},
            **{code: {"description": text, **json_content(ERROR)} for code, text in {
                "400": "the body is not JSON, nests too deep or is too large a batch; or a field cannot be taken: "
                       "the error starts with the field's name",
                "401": "no bearer token, or the wrong one",
                **refusals,
                "503": "this endpoint's token is not configured: it is closed"}.items()},
        },
    }}


PATHS: dict[str, Any] = {
    "/api/payments": _callback(
        "Billing callback: one payment or a batch", "billingToken", PAYMENT,
        {"type": "object", "properties": {
            "payment_id": {"type": "string"}, "duplicate": {"type": "boolean"},
            "owed_cents": {"type": "integer", "description": "what the customer owes now (cents)"},
            "cancelled_commands": {"type": "array", "items": {"type": "string"},
                                   "description": "disconnect commands taken back before they were sent"},
            "reconnection_instance": {"type": ["integer", "null"],
                                      "description": "the reconnection the payment started, in its own "
                                                     "transaction"}}},
        {"404": "customer_number names no customer",
         "409": "this payment_id was received before with another customer_number, amount or paid_at "
                "(the error names which)"}),
    "/api/headend/results": _callback(
        "Head-end callback: one result or a batch", "headendToken", HEADEND_RESULT,
        {"type": "object", "properties": {
            "result_id": {"type": "string"}, "command_id": {"type": "string"}, "stage": {"type": "string"},
            "delivery": {"type": "string", "description": "recorded, delivered, stored, duplicate or rejected"},
            "reconnection_instance": {"type": ["integer", "null"]}}},
        {"404": "command_id names no command we sent"}),
}
