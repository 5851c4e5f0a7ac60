"""The API's description matches its routes."""

from __future__ import annotations

import re

from flask import Flask
from openapi_spec_validator import validate

from tests.web.conftest import PASSWORD, Site


def _api_routes(app: Flask) -> set[tuple[str, str]]:
    routes = set()
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/"):
            continue
        path = re.sub(r"<(?:[a-z]+:)?([a-z_]+)>", r"{\1}", rule.rule)
        routes |= {(path, method.lower()) for method in (rule.methods or set()) - {"HEAD", "OPTIONS"}}
    return routes


def test_the_openapi_document_is_valid_and_describes_every_api_route(site: Site) -> None:
    document = site.anonymous().get("/api/openapi.json").json
    validate(document)
    documented = {(path, method) for path, item in document["paths"].items() if path.startswith("/api/")
                  for method in item}
    routes = _api_routes(site.app)
    assert routes - documented == set(), "routes without a description"
    assert documented - routes == set(), "descriptions of routes that do not exist"


def test_a_script_signs_in_the_way_the_document_says(site: Site) -> None:
    """Issue 10 item 22: a POST to /login with username and password got 400 "CSRF token missing" and
    the document did not say why. Followed literally, its steps sign a script in and let it post."""
    site.add_user("scripty", "executor")
    client = site.app.test_client()
    document = client.get("/api/openapi.json").json
    schemes, login = document["components"]["securitySchemes"], document["paths"]["/login"]
    form = login["post"]["requestBody"]["content"]["application/x-www-form-urlencoded"]["schema"]
    assert form["required"] == ["username", "password", "csrf_token"]
    as_json = {"Accept": "application/json"}

    untokened = client.post("/login", data={"username": "scripty", "password": PASSWORD}, headers=as_json)
    assert untokened.status_code == 400 and "400" in login["post"]["responses"]
    assert "The CSRF token is missing" in untokened.json["error"]

    page = client.get("/login")  # 1. the form and its session
    token = re.search(r'<input type="hidden" name="csrf_token" value="([^"]+)">', page.text)
    assert token and "csrf_token" in login["get"]["description"]
    signed_in = client.post("/login", headers=as_json,  # 2.
                            data={"username": "scripty", "password": PASSWORD, "csrf_token": token.group(1)})
    assert (signed_in.status_code, signed_in.json) == (200, {"username": "scripty", "roles": ["executor"]})
    assert client.get_cookie(schemes["session"]["name"]) is not None

    csrf = client.get("/api/me").json["csrf_token"]  # 3. the token for every later POST, in the named header
    unknown_task = "/api/tasks/00000000-0000-4000-8000-000000000000/claim"
    assert client.post(unknown_task).status_code == 400
    claimed = client.post(unknown_task, headers={schemes["csrf"]["name"]: csrf})
    assert claimed.status_code == 404, claimed.json  # past the CSRF and sign-in checks: no such task


def test_the_machine_endpoints_are_described_with_their_bearer_tokens(site: Site) -> None:
    """Issue 10 item 22: the security schemes are described and each operation names its own."""
    document = site.anonymous().get("/api/openapi.json").json
    schemes = document["components"]["securitySchemes"]
    assert all(scheme.get("description") for scheme in schemes.values())
    for path, scheme in (("/api/payments", "billingToken"), ("/api/headend/results", "headendToken")):
        assert document["paths"][path]["post"]["security"] == [{scheme: []}]
        assert schemes[scheme] | {"description": ""} == {"type": "http", "scheme": "bearer", "description": ""}
    assert document["security"] == [{"session": [], "csrf": []}]
