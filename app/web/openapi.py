"""``GET /api/openapi.json``: the JSON API described by OpenAPI 3.1, assembled from each
feature's path items (``app.web.api_docs``); a test checks it matches the app's routes."""

from __future__ import annotations

from typing import Any

from flask import Flask, jsonify
from flask.typing import ResponseReturnValue

from app.web.api_docs import common, customers, inbox, instances, reports, task_forms

FEATURES = (common, inbox, task_forms, customers, instances, reports)


def document() -> dict[str, Any]:
    paths: dict[str, Any] = {}
    for feature in FEATURES:
        paths.update(feature.PATHS)
    paths["/api/openapi.json"] = {"get": {"summary": "This document", "security": [],
                                          "responses": {"200": {"description": "OpenAPI 3.1"}}}}
    return {
        "openapi": "3.1.0",
        "info": {"title": "relayflow", "version": "1",
                 "description": "Operators' JSON API. Session endpoints: sign in with POST /login, then send "
                                "the session cookie and the X-CSRFToken header (GET /api/me gives it) on every "
                                "POST. Machine callbacks use bearer tokens. Errors: {\"error\": message}."},
        "servers": [{"url": "/"}],
        "security": [{"session": [], "csrf": []}],
        "components": {
            "securitySchemes": {
                "session": {"type": "apiKey", "in": "cookie", "name": "session"},
                "csrf": {"type": "apiKey", "in": "header", "name": "X-CSRFToken"},
                "headendToken": {"type": "http", "scheme": "bearer"},
                "billingToken": {"type": "http", "scheme": "bearer"},
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
