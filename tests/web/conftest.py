"""The web app on the real processes (bpmn/) and archive, on SQLite and PostgreSQL, with people
who sign in through the login form and send the CSRF token like a browser does."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import time_machine
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.security import generate_password_hash
from werkzeug.test import TestResponse

from app.accounts.users import create_user
from app.bootstrap import Services
from app.runtime.actors import Actor
from storage import users
from tests.utility import NOW, Utility, build_utility_app, seed_segment

PASSWORD = "password-123"
# The product hashes with scrypt (~0.1 s a hash, on purpose); tests sign in hundreds of people, so
# their accounts get a cheap hash of the same password — the sign-in code checks it all the same.
CHEAP_PASSWORD_HASH = generate_password_hash(PASSWORD, method="pbkdf2:sha256:1000")
ADMIN = Actor("system:test-setup")
CSRF_META = re.compile(rb'<meta name="csrf-token" content="([^"]+)"')


class Person:
    """One signed-in browser session: forms and JSON calls carry the session's CSRF token."""

    def __init__(self, client: FlaskClient, username: str) -> None:
        self.client, self.username = client, username
        self._csrf: str | None = None

    def sign_in(self, password: str = PASSWORD) -> TestResponse:
        page = self.client.get("/login")
        token = CSRF_META.search(page.data)
        assert token, "the sign-in page carries a CSRF token"
        self._csrf = token.group(1).decode()
        response = self.client.post("/login", data={"username": self.username, "password": password,
                                                    "csrf_token": self._csrf})
        self._csrf = None  # a new session after sign-in: read the token again
        return response

    @property
    def csrf(self) -> str:
        if self._csrf is None:
            me = self.client.get("/api/me")
            assert me.status_code == 200, me.data
            self._csrf = me.json["csrf_token"]
        return self._csrf

    def get(self, url: str, **kwargs: Any) -> TestResponse:
        return self.client.get(url, **kwargs)

    def post_form(self, url: str, data: dict[str, Any] | None = None, *, csrf: bool = True) -> TestResponse:
        fields = dict(data or {})
        if csrf:
            fields["csrf_token"] = self.csrf
        return self.client.post(url, data=fields)

    def post_json(self, url: str, body: Any = None, *, csrf: bool = True) -> TestResponse:
        headers = {"X-CSRFToken": self.csrf} if csrf else {}
        return self.client.post(url, json={} if body is None else body, headers=headers)

    def post_raw(self, url: str, raw: bytes, content_type: str = "application/json") -> TestResponse:
        return self.client.post(url, data=raw, content_type=content_type, headers={"X-CSRFToken": self.csrf})


class Site:
    """The app plus a way to make people: ``site.person("ann", "approver")`` is signed in."""

    def __init__(self, utility: Utility) -> None:
        self.utility = utility
        self.app: Flask = utility.app
        self.services: Services = utility.services

    def add_user(self, username: str, *roles: str) -> None:
        with self.services.db.transaction() as session:
            create_user(session, self.services.clock, ADMIN, username, username.title(), list(roles))
            account = users.find(session, username)
            assert account is not None
            account.password_hash = CHEAP_PASSWORD_HASH

    def person(self, username: str, *roles: str) -> Person:
        self.add_user(username, *roles)
        person = Person(self.app.test_client(), username)
        response = person.sign_in()
        assert response.status_code == 302, response.data
        return person

    def anonymous(self) -> Person:
        return Person(self.app.test_client(), "anonymous")


@pytest.fixture
def site(database_url: str, tmp_path: Path) -> Iterator[Site]:
    """The real processes on both backends, time frozen at NOW (``site.utility.clock`` travels)."""
    with time_machine.travel(NOW, tick=False) as traveller:
        app = build_utility_app(database_url, tmp_path)
        services = app.extensions["relayflow"]
        seed_segment(services)
        yield Site(Utility(app, services, traveller, tmp_path / "sms.jsonl"))
        services.db.dispose()
