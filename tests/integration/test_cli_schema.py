"""Commands that need the schema say what to run on a database that is not migrated (issue 10 item 8)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from storage import migrate
from tests.utility import BPMN_DIR

SCRIPT = Path(sys.executable).parent / "relayflow"


def relayflow(tmp_path: Path, url: str, *args: str) -> subprocess.CompletedProcess[str]:
    """The console script as a user runs it, with its files in ``tmp_path`` (never the developer's var/)."""
    env = {**os.environ, "DATABASE_URL": url, "RELAYFLOW_SECRET_KEY": "test",
           "RELAYFLOW_AUDIT_KEY_FILE": str(tmp_path / "seal.key"),
           "RELAYFLOW_AUDIT_ANCHOR_FILE": str(tmp_path / "anchors.jsonl"),
           "RELAYFLOW_BPMN_DIR": str(BPMN_DIR)}
    return subprocess.run([str(SCRIPT), *args], capture_output=True, text=True, env=env, timeout=120)


def test_deploy_on_a_database_that_was_never_migrated_says_to_run_db_upgrade(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'empty.sqlite3'}"
    refused = relayflow(tmp_path, url, "deploy", str(BPMN_DIR / "reconnect.bpmn"))
    assert refused.returncode != 0
    assert "Traceback" not in refused.stderr + refused.stdout
    assert "the database is not migrated: run `relayflow db upgrade`" in refused.stderr
    assert len(refused.stderr.strip().splitlines()) == 1, refused.stderr

    upgraded = relayflow(tmp_path, url, "db", "upgrade")  # the command that makes the schema is not refused
    assert upgraded.returncode == 0, upgraded.stderr
    deployed = relayflow(tmp_path, url, "deploy", str(BPMN_DIR / "reconnect.bpmn"))
    assert deployed.returncode == 0, deployed.stderr
    assert "new deployment #1 (reconnect v1)" in deployed.stdout


def test_every_command_that_needs_the_schema_is_refused_the_same_way(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'empty.sqlite3'}"
    for args in (["users", "set-roles", "ann", "auditor"], ["audit", "verify"], ["replay", "1"],
                 ["seed-demo"]):
        refused = relayflow(tmp_path, url, *args)
        assert refused.returncode != 0, args
        assert refused.stderr.strip() == "Error: the database is not migrated: run `relayflow db upgrade`", args


def test_a_database_behind_the_code_names_both_revisions(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'old.sqlite3'}"
    migrate.upgrade(url, "0006")
    problem = migrate.schema_problem(url)
    assert problem == (f"the database is at revision 0006, this relayflow needs {migrate.head_revision()}: "
                       "run `relayflow db upgrade`")
    migrate.upgrade(url)
    assert migrate.schema_problem(url) is None
