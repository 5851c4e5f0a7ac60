"""The API's description matches its routes, and every label has its Chinese."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from flask import Flask
from openapi_spec_validator import validate

from app.web.labels import ZH
from tests.web.conftest import Site

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
