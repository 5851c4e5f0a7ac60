"""Reading the OpenAPI document the way a client would: an operation's example requests, and
whether an answer is one the operation describes (checked with JSON Schema against the document
itself, not with the app's models)."""

from __future__ import annotations

import json
from typing import Any

from jsonschema import Draft202012Validator
from werkzeug.test import TestResponse


def resolved(document: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    """A schema, its ``$ref`` to a component followed."""
    if "$ref" in schema:
        return dict(document["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]])
    return schema


def component(document: dict[str, Any], name: str) -> dict[str, Any]:
    return dict(document["components"]["schemas"][name])


def example_requests(document: dict[str, Any], path: str, method: str) -> list[Any]:
    """The JSON bodies an operation shows as examples, or its query string's example (one dict)."""
    operation = document["paths"][path][method]
    body = operation.get("requestBody", {}).get("content", {}).get("application/json")
    if body is not None:
        return list(resolved(document, body["schema"])["examples"])
    query = {p["name"]: p["example"] for p in operation.get("parameters", []) if p["in"] == "query" and "example" in p}
    return [query] if query else []


def described(document: dict[str, Any], path: str, method: str, response: TestResponse) -> str | None:
    """Why ``response`` is not an answer the operation describes (None: it is one)."""
    responses = document["paths"][path][method]["responses"]
    answer = responses.get(str(response.status_code))
    if answer is None:
        return f"{response.status_code} is not among {sorted(responses)}"
    content = answer.get("content", {})
    if not content:
        return None
    if response.mimetype not in content:
        return f"{response.mimetype} is not among {sorted(content)}"
    if response.mimetype != "application/json":
        return None
    schema = {**content["application/json"]["schema"], "components": document["components"]}
    problems = [error.message for error in Draft202012Validator(schema).iter_errors(response.json)]
    return "; ".join(problems[:3]) or None


def key(example: Any) -> str:
    return json.dumps(example, sort_keys=True)
