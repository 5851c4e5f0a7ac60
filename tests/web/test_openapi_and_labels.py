"""The API's description matches its routes, and every label has its Chinese."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from flask import Flask
from openapi_spec_validator import validate

from app.web.labels import ZH
from tests.web.conftest import PASSWORD, Site

WEB = Path(__file__).resolve().parents[2] / "app" / "web"
TEMPLATE_LABEL = re.compile(r"""_\(\s*(["'])(.+?)\1\s*\)""")


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


def _labels_in_templates() -> set[str]:
    labels = set()
    for template in WEB.joinpath("templates").rglob("*.html"):
        labels |= {match.group(2) for match in TEMPLATE_LABEL.finditer(template.read_text())}
    return {label for label in labels if "~" not in label}


def _labels_in_python() -> set[str]:
    labels = set()
    for module in WEB.rglob("*.py"):
        for node in ast.walk(ast.parse(module.read_text())):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "_" \
                    and node.args and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str):
                labels.add(node.args[0].value)
    return labels


def test_every_label_on_a_page_has_its_chinese() -> None:
    missing = sorted((_labels_in_templates() | _labels_in_python()) - set(ZH))
    assert missing == [], f"labels without Chinese (add them to app/web/labels/<feature>.py): {missing}"


def test_no_two_catalogs_translate_one_label_differently() -> None:
    """The catalogs are merged into one: a label translated twice would take whichever came last,
    silently changing another feature's page."""
    from app.web import labels

    catalogs = {name: getattr(labels, name).ZH for name in ("common", "inbox", "task_forms", "customers",
                                                             "instances", "audit", "reports")}
    first: dict[str, tuple[str, str]] = {}
    conflicts = []
    for name, catalog in catalogs.items():
        for english, chinese in catalog.items():
            seen = first.setdefault(english, (name, chinese))
            if seen[1] != chinese:
                conflicts.append(f"{english!r}: {seen[0]} says {seen[1]}, {name} says {chinese}")
    assert not conflicts, "\n".join(conflicts)
    assert {k: v for catalog in catalogs.values() for k, v in catalog.items()} == ZH  # every catalog is merged
