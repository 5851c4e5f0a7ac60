"""OpenAPI paths of sign-in, ``/api/me`` and the machine callbacks, and the shared building blocks."""

from typing import Any

ERROR = {"$ref": "#/components/schemas/Error"}


def json_content(schema: dict[str, Any]) -> dict[str, Any]:
    return {"content": {"application/json": {"schema": schema}}}


def errors(*codes: int) -> dict[str, Any]:
    """The error responses an operation can give (each a JSON ``{"error": ...}``)."""
    text = {400: "malformed request or missing CSRF token", 401: "not signed in / bad token",
            403: "lacks the role", 404: "unknown id", 409: "conflicts with the current state",
            422: "form data invalid (errors per field)"}
    return {str(code): {"description": text[code], **json_content(ERROR)} for code in codes}


def page_params() -> list[dict[str, Any]]:
    return [{"name": "page", "in": "query", "schema": {"type": "integer", "minimum": 1}},
            {"name": "size", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 200}}]


def path_param(name: str, kind: str = "integer") -> dict[str, Any]:
    return {"name": name, "in": "path", "required": True, "schema": {"type": kind}}


PATHS: dict[str, Any] = {
    "/login": {"post": {
        "summary": "Sign in (form fields username, password); sets the session cookie",
        "security": [],
        "requestBody": {"content": {"application/x-www-form-urlencoded": {"schema": {
            "type": "object", "required": ["username", "password"],
            "properties": {"username": {"type": "string"}, "password": {"type": "string"}}}}}},
        "responses": {
            "200": {"description": "signed in (with Accept: application/json)", **json_content({"type": "object"})},
            "302": {"description": "signed in (a browser's form post): on to the page asked for"},
            "401": {"description": "unknown username or wrong password (JSON with Accept: application/json, "
                                   "else the sign-in page again)", **json_content(ERROR),
                    "content": {"application/json": {"schema": ERROR}, "text/html": {"schema": {"type": "string"}}}},
            "429": {"description": "too many failed sign-ins for this username from this address: wait"},
            **errors(400)},
    }},
    "/api/me": {"get": {
        "summary": "The signed-in user, roles and the CSRF token to send as X-CSRFToken",
        "responses": {"200": {"description": "who you are", **json_content({
            "type": "object", "properties": {"username": {"type": "string"},
                                             "roles": {"type": "array", "items": {"type": "string"}},
                                             "csrf_token": {"type": "string"}}})}, **errors(401)},
    }},
    "/api/headend/results": {"post": {
        "summary": "Head-end callback: one result or a batch (machine API, bearer token, no CSRF)",
        "security": [{"headendToken": []}],
        "requestBody": json_content({"oneOf": [{"type": "object"}, {"type": "array", "items": {"type": "object"}}]}),
        "responses": {"200": {"description": "outcome per item", **json_content({})}, **errors(400, 401)},
    }},
    "/api/payments": {"post": {
        "summary": "Billing callback: one payment or a batch (machine API, bearer token, no CSRF)",
        "security": [{"billingToken": []}],
        "requestBody": json_content({"oneOf": [{"type": "object"}, {"type": "array", "items": {"type": "object"}}]}),
        "responses": {"200": {"description": "outcome per item", **json_content({})}, **errors(400, 401)},
    }},
}
