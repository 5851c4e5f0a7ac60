"""``GET /api/openapi.json``: the JSON API described by OpenAPI 3.1, assembled from each
feature's path items (``app.web.api_docs``); a test checks it matches the app's routes."""

from __future__ import annotations

from typing import Any

from flask import Flask, jsonify
from flask.typing import ResponseReturnValue

from app.web.api_docs import common, customers, inbox, instances, machine, reports, task_forms

FEATURES = (common, machine, inbox, task_forms, customers, instances, reports)
SIGNING_IN = """relayflow's JSON API. Errors: {"error": message}.

People's endpoints use the browser's session and its CSRF token. A script signs in the same way:

1. `GET /login`: keep the `session` cookie it sets; the form's hidden field `csrf_token` holds the token.
2. `POST /login` with the form fields `username`, `password` and `csrf_token`, the cookie, and
   `Accept: application/json`: 200 `{"username", "roles"}` and a new `session` cookie. (Without the
   token: 400 "The CSRF token is missing".)
3. `GET /api/me`: its `csrf_token` goes into the `X-CSRFToken` header of every later POST, beside
   the cookie. GETs need the cookie only.

The machine callbacks (`POST /api/payments`, `POST /api/headend/results`) use neither: they take
`Authorization: Bearer <token>` (RELAYFLOW_BILLING_TOKEN, RELAYFLOW_HEADEND_TOKEN)."""


def document() -> dict[str, Any]:
    paths: dict[str, Any] = {}
    for feature in FEATURES:
        paths.update(feature.PATHS)
    paths["/api/openapi.json"] = {"get": {"summary": "This document", "security": [],
                                          "responses": {"200": {"description": "OpenAPI 3.1"}}}}
    return {
        "openapi": "3.1.0",
        "info": {"title": "relayflow", "version": "1", "description": SIGNING_IN},
        "servers": [{"url": "/"}],
        "security": [{"session": [], "csrf": []}],
        "components": {
            "securitySchemes": {
                "session": {"type": "apiKey", "in": "cookie", "name": "session",
                            "description": "the session POST /login sets (people and their scripts)"},
                "csrf": {"type": "apiKey", "in": "header", "name": "X-CSRFToken",
                         "description": "the session's CSRF token, on every POST: from GET /api/me once signed "
                                        "in, from GET /login's form before (POST /login also takes it as the "
                                        "form field csrf_token)"},
                "headendToken": {"type": "http", "scheme": "bearer",
                                 "description": "the head-end's token (RELAYFLOW_HEADEND_TOKEN)"},
                "billingToken": {"type": "http", "scheme": "bearer",
                                 "description": "billing's token (RELAYFLOW_BILLING_TOKEN)"},
            },
            "schemas": {"Error": {"type": "object", "required": ["error"], "properties": {
                "error": {"type": "string"},
                "errors": {"type": "object", "additionalProperties": {"type": "string"}}}}},
        },
        "paths": dict(sorted(paths.items())),
    }


def register(app: Flask) -> None:
    @app.get("/api/openapi.json")
    def openapi_document() -> ResponseReturnValue:
        return jsonify(document())
