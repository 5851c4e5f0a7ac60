"""The ``relayflow`` command: database, users, deploy — clear messages, nothing half-done."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import Result
from flask import Flask
from sqlalchemy import func, select
from werkzeug.security import check_password_hash

from storage.models import Deployment, HistoryEvent, User, UserRole
from tests.conftest import TEST_BPMN

XXE = b"""<?xml version="1.0"?>
<!DOCTYPE d [<!ENTITY secret SYSTEM "file://%s">]>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d">&secret;</bpmn:definitions>
"""
LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d">&lol3;</bpmn:definitions>
"""


def run(app: Flask, *args: str, input: str | None = None) -> Result:
    return app.test_cli_runner().invoke(args=list(args), input=input)


def test_the_console_script_is_a_flask_group_built_by_create_app(sqlite_url: str) -> None:
    script = Path(sys.executable).parent / "relayflow"
    env = {**os.environ, "DATABASE_URL": sqlite_url, "RELAYFLOW_SECRET_KEY": "test"}
    result = subprocess.run([str(script), "--help"], capture_output=True, text=True, env=env, timeout=60)
    assert result.returncode == 0, result.stderr
    for command in ("db", "deploy", "users", "worker", "bootstrap", "run"):
        assert f"  {command} " in result.stdout


def test_users_create_set_roles_and_set_password(backend_app: Flask) -> None:
    created = run(backend_app, "users", "create", "ann", "--name", "Ann Li", "--role", "approver",
                  "--role", "executor", "--password", "first-pass")
    assert created.exit_code == 0, created.output
    assert run(backend_app, "users", "set-roles", "ann", "auditor").exit_code == 0
    changed = run(backend_app, "users", "set-password", "ann", input="second-pass\nsecond-pass\n")
    assert changed.exit_code == 0, changed.output
    services = backend_app.extensions["relayflow"]
    with services.db.reading() as session:
        user = session.execute(select(User)).scalar_one()
        roles = session.execute(select(UserRole.role)).scalars().all()
        events = session.execute(select(HistoryEvent.type).where(HistoryEvent.stream == "users")
                                 .order_by(HistoryEvent.seq)).scalars().all()
    assert (user.display_name, roles) == ("Ann Li", ["auditor"])
    assert user.password_hash is not None and "second-pass" not in user.password_hash
    assert check_password_hash(user.password_hash, "second-pass")
    assert events == ["user.created", "user.roles_changed", "user.password_changed"]


@pytest.mark.parametrize(("args", "message"), [
    (["users", "create", "bob", "--password", "short"], "at least 8 characters"),
    (["users", "create", "Bad Name!", "--password", "long-enough"], "a username is"),
    (["users", "set-roles", "nobody", "auditor"], "no user nobody"),
    (["users", "create", "bob", "--role", "wizard", "--password", "long-enough"], "wizard"),
])
def test_bad_user_commands_are_refused_clearly(app: Flask, args: list[str], message: str) -> None:
    result = run(app, *args)
    assert result.exit_code != 0
    assert message in result.output
    assert "Traceback" not in result.output


def test_deploy_reports_versions_and_is_idempotent(app: Flask) -> None:
    path = str(TEST_BPMN / "approval.bpmn")
    first = run(app, "deploy", path)
    assert first.exit_code == 0, first.output
    assert "new deployment #1 (approval v1)" in first.output
    assert "unchanged #1" in run(app, "deploy", path).output


def test_deploy_refuses_an_xsd_error_with_file_and_line(app: Flask, tmp_path: Path) -> None:
    bad = tmp_path / "bad.bpmn"
    bad.write_bytes((TEST_BPMN / "timer_wait.bpmn").read_bytes().replace(
        b'<bpmn:scriptTask id="mark"', b'<bpmn:scriptTask bogus="1" id="mark"'))
    result = run(app, "deploy", str(bad), str(TEST_BPMN / "approval.bpmn"))
    assert result.exit_code != 0
    assert "bad.bpmn:11 [mark]" in result.output and "bogus" in result.output
    assert "nothing was deployed" in result.output
    with app.extensions["relayflow"].db.reading() as session:
        assert session.execute(select(func.count(Deployment.id))).scalar_one() == 0


@pytest.mark.parametrize("content", [XXE, LAUGHS], ids=["xxe", "billion-laughs"])
def test_entity_tricks_are_refused_without_reading_anything(app: Flask, tmp_path: Path, content: bytes) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-METER-KEY")
    evil = tmp_path / "evil.bpmn"
    evil.write_bytes(content.replace(b"%s", str(secret).encode()))
    result = run(app, "deploy", str(evil))
    assert result.exit_code != 0
    assert "DOCTYPE" in result.output
    assert "TOP-SECRET" not in result.output and "lollol" not in result.output
