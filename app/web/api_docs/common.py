"""OpenAPI paths of sign-in and ``/api/me``, and the shared building blocks."""

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
    "/login": {
        "get": {
            "summary": "The sign-in form: sets the session cookie and carries that session's CSRF token",
            "description": "A script reads the token from the form's hidden field "
                           "`<input name=\"csrf_token\" value=\"…\">` (the page's "
                           "`<meta name=\"csrf-token\" content=\"…\">` holds the same), keeps the `session` "
                           "cookie, and sends both with POST /login.",
            "security": [],
            "responses": {"200": {"description": "the sign-in page (HTML)",
                                  "content": {"text/html": {"schema": {"type": "string"}}}}},
        },
        "post": {
            "summary": "Sign in; sets a new session cookie",
            "description": "Form fields username, password and csrf_token (the token of GET /login, or send "
                           "it as the X-CSRFToken header), with the session cookie GET /login set. Send "
                           "`Accept: application/json` for a JSON answer instead of a redirect. Then "
                           "GET /api/me gives the token for every later POST.",
            "security": [{"session": [], "csrf": []}],
            "requestBody": {"required": True, "content": {"application/x-www-form-urlencoded": {"schema": {
                "type": "object", "required": ["username", "password", "csrf_token"],
                "properties": {"username": {"type": "string"}, "password": {"type": "string"},
                               "csrf_token": {"type": "string",
                                              "description": "from GET /login's form (or the X-CSRFToken "
                                                             "header instead)"},
                               "next": {"type": "string", "description": "a path to go on to (browsers)"}}}}}},
            "responses": {
                "200": {"description": "signed in (with Accept: application/json)", **json_content({
                    "type": "object", "properties": {"username": {"type": "string"},
                                                     "roles": {"type": "array", "items": {"type": "string"}}}})},
                "302": {"description": "signed in (a browser's form post): on to the page asked for"},
                "400": {"description": "the CSRF token is missing or is not this session's: GET /login first "
                                       "and send its token with the cookie it set", **json_content(ERROR)},
                "401": {"description": "unknown username or wrong password (JSON with Accept: application/json, "
                                       "else the sign-in page again)",
                        "content": {"application/json": {"schema": ERROR},
                                    "text/html": {"schema": {"type": "string"}}}},
                "429": {"description": "too many failed sign-ins for this username from this address: wait"}},
        },
    },
    "/api/me": {"get": {
        "summary": "The signed-in user, roles and the CSRF token to send as X-CSRFToken",
        "responses": {"200": {"description": "who you are", **json_content({
            "type": "object", "properties": {"username": {"type": "string"},
                                             "roles": {"type": "array", "items": {"type": "string"}},
                                             "csrf_token": {"type": "string"}}})}, **errors(401)},
    }},
}
