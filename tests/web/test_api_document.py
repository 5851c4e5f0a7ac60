"""Issue 11 item 6: the OpenAPI document is generated from the models the endpoints read and
answer with, it is valid OpenAPI 3.1, every schema in it shows a valid example, and every request
model refuses a field it does not document, naming it (the task forms' models: in
``test_api_examples``, which needs a task of each form)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from flask import Flask
from jsonschema import Draft202012Validator
from openapi_spec_validator import validate
from pydantic import BaseModel, RootModel

from app.web.api_models.base import Body
from app.web.api_operation import Operation, operation_of
from app.web.openapi import document as generated
from tests.web.api_document import resolved
from tests.web.conftest import Site
from tests.web.customers_support import seed_archive

TOKENS = {"/api/payments": "bill-token", "/api/payments/reversals": "bill-token", "/api/headend/results": "hes-token"}
PARAMETER = re.compile(r"<(?:(\w+):)?(\w+)>")
PATH_VALUES = {"number": "3400000001", "code": "S01", "task_id": "00000000-0000-4000-8000-000000000000",
               "instance_id": "1", "incident_id": "1", "process_id": "disconnect", "version": "1", "draft_id": "1",
               "proposal_id": "1", "run_id": "1"}


def operations(app: Flask) -> list[tuple[str, str, str, Operation]]:
    """(the document's path, a URL of it with known-looking ids, method, operation) of every
    described route under /api/."""
    found = []
    for rule in app.url_map.iter_rules():
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            described = operation_of(app.view_functions[rule.endpoint], method)
            if described is not None and rule.rule.startswith("/api/"):
                path = PARAMETER.sub(r"{\2}", rule.rule)
                url = PARAMETER.sub(lambda match: PATH_VALUES[match.group(2)], rule.rule)
                found.append((path, url, method.lower(), described))
    return found


def models_in(body: Any) -> list[type[BaseModel]]:
    """The object models a body takes: itself, or the alternatives of a union (one item or a batch)."""
    if isinstance(body, type) and issubclass(body, RootModel):
        root = body.model_fields["root"].annotation
        return [kind for kind in getattr(root, "__args__", ()) if isinstance(kind, type)
                and issubclass(kind, BaseModel)]
    return [body]


def test_the_document_is_generated_from_the_operations_and_is_valid_openapi_3_1(site: Site) -> None:
    document = site.anonymous().get("/api/openapi.json").json
    validate(document)  # openapi-spec-validator: the 3.1 schema, picked by the "openapi" field
    assert document["openapi"] == "3.1.0" and list(document["paths"]) == sorted(document["paths"])
    with site.app.app_context():
        assert generated(site.app) == document
    for path, _url, method, described in operations(site.app):
        operation = document["paths"][path][method]
        if described.body is not None:
            assert operation["requestBody"]["content"]["application/json"]["schema"] == {
                "$ref": f"#/components/schemas/{described.body.__name__}"}
        for status, reply in described.replies.items():
            if reply.model is not None:
                assert operation["responses"][str(status)]["content"][reply.media_type]["schema"] == {
                    "$ref": f"#/components/schemas/{reply.model.__name__}"}
        assert set(operation["responses"]) == {str(code) for code in (*described.replies,
                                                                       *described.all_refusals(method))}


def test_every_schema_shows_an_example_it_takes(site: Site) -> None:
    document = site.anonymous().get("/api/openapi.json").json
    for name, schema in document["components"]["schemas"].items():
        assert schema.get("examples"), f"{name} shows no example"
        validator = Draft202012Validator({**schema, "components": document["components"]})
        for example in schema["examples"]:
            assert not list(validator.iter_errors(example)), (name, example)
    for path, item in document["paths"].items():
        for method, operation in item.items():
            for parameter in operation.get("parameters", []):
                if "example" in parameter:
                    assert Draft202012Validator(parameter["schema"]).is_valid(parameter["example"]), (path, method)


def test_a_route_under_api_without_an_operation_makes_no_document(site: Site) -> None:
    app = site.app
    app.add_url_rule("/api/undescribed", "undescribed", lambda: "")
    with app.app_context(), pytest.raises(LookupError, match="/api/undescribed"):
        generated(app)


def test_every_request_model_refuses_a_field_it_does_not_document_naming_it(site: Site) -> None:
    seed_archive(site)
    root = site.person("root", "applicant", "approver", "executor", "sysadmin", "analyst", "auditor")
    document = site.anonymous().get("/api/openapi.json").json
    refused = []
    for path, url, method, described in operations(site.app):
        if described.body is None or described.reads == "object":  # a task's form: test_api_examples
            continue
        for model in models_in(described.body):
            example = resolved(document, {"$ref": f"#/components/schemas/{model.__name__}"})["examples"][0]
            body = {**example, "undocumented": 1}
            if url in TOKENS:
                response = site.app.test_client().post(url, json=body,
                                                       headers={"Authorization": f"Bearer {TOKENS[url]}"})
            else:  # a PUT (a draft's save) as a POST is
                response = root.client.open(url, method=method.upper(), json=body, headers={"X-CSRFToken": root.csrf})
            expected = model.refusal_status if issubclass(model, Body) else 400
            assert response.status_code == expected, (url, model.__name__, response.status_code, response.json)
            assert response.json["error"] and "undocumented" in response.json["errors"], (url, response.json)
            assert str(response.status_code) in document["paths"][path][method]["responses"]
            refused.append(model.__name__)
    assert len(refused) >= 13, refused  # every body model but the task forms'

