"""``GET /api/openapi.json``: the JSON API described by OpenAPI 3.1, generated from the routes and
the models their ``@operation`` reads and answers with (``app.web.api_operation``), assembled by
apispec; every route under ``/api/`` must be described, or the document is not made.

Why pydantic + apispec (and our ``@operation``) rather than spectree or flask-openapi3: both of
those validate for us, but flask-openapi3 needs its own ``OpenAPI`` app class and ``APIBlueprint``,
new view signatures and one validation status for the whole app; spectree keeps Flask blueprints
but reads a malformed or non-object body as ``{}`` (so "the body is not a JSON object" could not be
said), answers refusals with its own list shape and documents that shape on every route, and
validates a body whole — the callbacks take each item of a batch on its own, recording each
refusal. Our decorator is a few lines under the role check, so the CSRF and role refusals come
first and every refusal keeps its shape, status and message."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from apispec import APISpec
from flask import Flask, current_app, jsonify
from flask.typing import ResponseReturnValue
from werkzeug.routing import Rule

from app.web.api_models.base import Error
from app.web.api_operation import Operation, Reply, operation, operation_of
from app.web.openapi_schemas import Schemas

SIGNING_IN = """relayflow's JSON API. Errors: {"error": message}; a body that cannot be taken also has
{"errors": {field: message}}.

People's endpoints use the browser's session and its CSRF token. A script signs in the same way:

1. `GET /login`: keep the `session` cookie it sets; the form's hidden field `csrf_token` holds the token.
2. `POST /login` with the form fields `username`, `password` and `csrf_token`, the cookie, and
   `Accept: application/json`: 200 `{"username", "roles"}` and a new `session` cookie. (Without the
   token: 400 "The CSRF token is missing".)
3. `GET /api/me`: its `csrf_token` goes into the `X-CSRFToken` header of every later POST, beside
   the cookie. GETs need the cookie only.

The machine callbacks (`POST /api/payments`, `POST /api/headend/results`) use neither: they take
`Authorization: Bearer <token>` (RELAYFLOW_BILLING_TOKEN, RELAYFLOW_HEADEND_TOKEN).

The other direction, relayflow → head-end (README, "The head-end over HTTP"): `POST
{RELAYFLOW_HEADEND_URL}/commands` with `{"command_id", "meter_address", "action": "trip" |
"direct_close" | "close_allowed", "deadline"}` (the validity deadline, ISO 8601 UTC), the headers
`Idempotency-Key` (the same command sent again carries the same key) and `Authorization: Bearer
<RELAYFLOW_HEADEND_COMMAND_TOKEN>`. 2xx: taken, results follow as callbacks to
`POST /api/headend/results`; timeouts, 5xx, 408 and 429 are sent again with the same key; any
other 4xx gives the command up and stops its case with an incident."""
SECURITY_SCHEMES = {
    "session": {"type": "apiKey", "in": "cookie", "name": "session",
                "description": "the session POST /login sets (people and their scripts)"},
    "csrf": {"type": "apiKey", "in": "header", "name": "X-CSRFToken",
             "description": "the session's CSRF token, on every POST: from GET /api/me once signed in, from GET "
                            "/login's form before (POST /login also takes it as the form field csrf_token)"},
    "headendToken": {"type": "http", "scheme": "bearer",
                     "description": "the head-end's token (RELAYFLOW_HEADEND_TOKEN)"},
    "billingToken": {"type": "http", "scheme": "bearer", "description": "billing's token (RELAYFLOW_BILLING_TOKEN)"},
}
PEOPLE: list[dict[str, list[str]]] = [{"session": [], "csrf": []}]
PATH_PARAMETER = re.compile(r"<(?:(\w+):)?(\w+)>")
PARAMETER_TYPES = {"int": "integer", "float": "number"}
IGNORED_METHODS = {"HEAD", "OPTIONS"}


def document(app: Flask) -> dict[str, Any]:
    """The OpenAPI 3.1 document of ``app``'s described routes, paths sorted."""
    routes = sorted(_described(app), key=lambda route: (route[0], route[1]))
    schemas = Schemas()
    paths: dict[str, dict[str, Any]] = {}
    for path, method, rule, described in routes:
        paths.setdefault(path, {})[method] = _operation(described, method, rule, schemas)
    spec = APISpec(title="relayflow", version="1", openapi_version="3.1.0", info={"description": SIGNING_IN},
                   servers=[{"url": "/"}], security=PEOPLE)
    for name, scheme in SECURITY_SCHEMES.items():
        spec.components.security_scheme(name, scheme)
    for name, schema in schemas.components().items():
        spec.components.schema(name, schema)
    for path, operations in paths.items():
        spec.path(path=path, operations=operations)
    return spec.to_dict()


def _described(app: Flask) -> Iterator[tuple[str, str, Rule, Operation]]:
    """(path, method, rule, operation) of every described route; a route under /api/ without a
    description is an error."""
    for rule in app.url_map.iter_rules():
        view = app.view_functions[rule.endpoint]
        for method in sorted((rule.methods or set()) - IGNORED_METHODS):
            described = operation_of(view, method)
            if described is None:
                if rule.rule.startswith("/api/"):
                    raise LookupError(f"{method} {rule.rule} ({rule.endpoint}) has no @operation")
                continue
            yield PATH_PARAMETER.sub(r"{\2}", rule.rule), method.lower(), rule, described


def _operation(described: Operation, method: str, rule: Rule, schemas: Schemas) -> dict[str, Any]:
    names = {key: str(value) for key, value in (rule.defaults or {}).items()}
    names |= {key.capitalize(): value.capitalize() for key, value in names.items()}
    found: dict[str, Any] = {"summary": described.summary.format_map(names) if names else described.summary}
    if described.description:
        found["description"] = described.description
    if described.security not in ("session", "sign-in"):
        found["security"] = [{described.security: []}] if described.security else []
    parameters = _path_parameters(rule) + (schemas.query_parameters(described.query) if described.query else [])
    if parameters:
        found["parameters"] = parameters
    if described.body is not None:
        found["requestBody"] = {"required": described.body_required,
                                "content": {"application/json": {"schema": schemas.ref(described.body)}}}
    if described.form is not None:
        found["requestBody"] = {"required": True, "content": {
            "application/x-www-form-urlencoded": {"schema": schemas.inline(described.form)}}}
    responses = {str(code): _reply(reply, schemas) for code, reply in described.replies.items()}
    for code, text in described.all_refusals(method).items():
        responses.setdefault(str(code), _reply(Reply(text, Error), schemas))
    found["responses"] = dict(sorted(responses.items()))
    return found


def _reply(reply: Reply, schemas: Schemas) -> dict[str, Any]:
    content = {reply.media_type: {"schema": schemas.ref(reply.model)}} if reply.model is not None else {}
    content |= {media: {"schema": schema} for media, schema in reply.also.items()}
    return {"description": reply.description, **({"content": content} if content else {})}


def _path_parameters(rule: Rule) -> list[dict[str, Any]]:
    return [{"name": name, "in": "path", "required": True, "schema": {"type": PARAMETER_TYPES.get(kind, "string")}}
            for kind, name in PATH_PARAMETER.findall(rule.rule)]


def register(app: Flask) -> None:
    @app.get("/api/openapi.json")
    @operation("This document", security=None, replies={200: Reply("OpenAPI 3.1", also={
        "application/json": {"type": "object"}})})
    def openapi_document() -> ResponseReturnValue:
        made = current_app.extensions.get("openapi_document") or document(current_app)
        current_app.extensions["openapi_document"] = made  # the routes and models do not change while it runs
        return jsonify(made)
