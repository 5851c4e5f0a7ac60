"""Rules that hold for every route the app has, checked route by route from the URL map, so a
route added later is held to them too: every change needs the CSRF token, every JSON endpoint
answers a stranger with 401, and an account without roles is refused everywhere but its own
"who am I"."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from sqlalchemy import func, select

from storage.models import HistoryEvent
from tests.web.conftest import Site

PUBLIC = {"/login", "/healthz", "/readyz", "/metrics", "/api/openapi.json", "/static/<path:filename>",
          "/vendor/bpmn-js/<path:filename>"}
# bearer tokens, not sessions (tests/integration)
MACHINE = {"/api/headend/results", "/api/payments", "/api/payments/reversals"}
FOR_ANY_ACCOUNT = {"/api/me", "/logout"}


def _routes(app: Flask, method: str) -> list[str]:
    routes = sorted(rule.rule for rule in app.url_map.iter_rules()
                    if method in (rule.methods or set()) and rule.rule not in PUBLIC | MACHINE)
    assert len(routes) > 20, "the URL map was not read"
    return routes


def _url(rule: str) -> str:
    """A concrete URL for a rule: 1 for numbers, an unknown-looking word for the rest."""
    return re.sub(r"<([a-z]+:)?([a-z_]+)>", lambda m: "1" if m.group(1) == "int:" else "x1", rule)


def _history_length(site: Site) -> int:
    with site.services.db.reading() as session:
        return int(session.execute(select(func.count(HistoryEvent.id))).scalar_one())


def test_every_change_without_its_csrf_token_is_a_400_and_changes_nothing(site: Site) -> None:
    everyone = site.person("root", "applicant", "approver", "executor", "sysadmin", "analyst", "auditor")
    before = _history_length(site)
    for rule in _routes(site.app, "POST"):
        response = everyone.client.post(_url(rule), json={"reason": "r"}, headers={"Accept-Language": "en"})
        assert response.status_code == 400, rule
        assert b"security token" in response.data, rule
    assert _history_length(site) == before


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_a_stranger_is_sent_to_sign_in(site: Site, method: str) -> None:
    stranger = site.anonymous()
    for rule in _routes(site.app, method):
        if method == "POST":  # with a valid token: the refusal must come from the sign-in check
            page = stranger.client.get("/login")
            token = page.data.split(b'name="csrf-token" content="')[1].split(b'"')[0].decode()
            response = stranger.client.post(_url(rule), data={"csrf_token": token})
        else:
            response = stranger.client.get(_url(rule))
        if rule.startswith("/api/"):
            assert response.status_code == 401 and response.json["error"], rule
        else:
            assert response.status_code == 302 and "/login" in response.headers["Location"], rule


def test_an_account_without_roles_is_refused_everywhere_but_who_am_i(site: Site) -> None:
    nobody = site.person("nora")
    for rule in _routes(site.app, "GET"):
        if rule in FOR_ANY_ACCOUNT or rule == "/":
            continue
        response = nobody.get(_url(rule))
        assert response.status_code == 403, rule
    for rule in _routes(site.app, "POST"):
        if rule in FOR_ANY_ACCOUNT:
            continue
        assert nobody.post_json(_url(rule), {}).status_code == 403, rule


def test_every_menu_entry_is_a_page_its_roles_may_open(site: Site) -> None:
    from app.web.navigation import NAV

    for endpoint, _label, roles in NAV:
        assert endpoint in site.app.view_functions, endpoint
        rule = next(r.rule for r in site.app.url_map.iter_rules() if r.endpoint == endpoint)
        person = site.person(f"menu-{endpoint.replace('.', '-').replace('_', '-')}", *(roles or ("auditor",)))
        assert person.get(rule).status_code == 200, rule
