"""``relayflow deploy``, ``bootstrap`` and the worker's start: what runs is the database's
(issue 10 item 7), and what each says when it deploys, rolls back or leaves things alone."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import select

from app.worker import Worker
from storage.models import HistoryEvent, ProcessVersion
from tests.conftest import TEST_BPMN
from tests.integration.test_cli import run

APPROVAL = TEST_BPMN / "approval.bpmn"


def edited(tmp_path: Path, tag: str) -> Path:
    """approval.bpmn with another notification text, under its own name in its own folder."""
    path = tmp_path / tag / "approval.bpmn"
    path.parent.mkdir()
    path.write_bytes(APPROVAL.read_bytes().replace(b"'approved: '", f"'{tag} approved: '".encode()))
    return path


def latest_versions(app: Flask) -> dict[str, int]:
    with app.extensions["relayflow"].db.reading() as session:
        rows = session.execute(select(ProcessVersion.process_id, ProcessVersion.version)
                               .order_by(ProcessVersion.version)).all()
    return dict(rows)  # type: ignore[arg-type]


def deployment_events(app: Flask) -> list[str]:
    with app.extensions["relayflow"].db.reading() as session:
        return list(session.execute(select(HistoryEvent.type).where(HistoryEvent.stream == "deployments")
                                    .order_by(HistoryEvent.seq)).scalars())


def test_deploying_the_original_file_again_rolls_back_and_says_so(backend_app: Flask, tmp_path: Path) -> None:
    """issue 10 item 7: it printed "unchanged #2 (reconnect v1)" and new instances kept running v3."""
    outputs = [run(backend_app, "deploy", str(path)).output
               for path in (APPROVAL, edited(tmp_path, "v2"), edited(tmp_path, "v3"), APPROVAL)]
    assert outputs == ["approval.bpmn: new deployment #1 (approval v1)\n",
                       "approval.bpmn: new deployment #2 (approval v2)\n",
                       "approval.bpmn: new deployment #3 (approval v3)\n",
                       "approval.bpmn: re-deployed #1 (approval v1 as v4)\n"]
    assert run(backend_app, "deploy", str(APPROVAL)).output == "approval.bpmn: unchanged #1 (approval v4)\n"
    assert latest_versions(backend_app) == {"approval": 4}
    assert deployment_events(backend_app) == ["deployment.created"] * 3 + ["deployment.redeployed"]


@pytest.fixture
def bpmn_dir(backend_app: Flask, tmp_path: Path) -> Path:
    """The app's ``bpmn/``, holding approval.bpmn."""
    directory = tmp_path / "bpmn"
    directory.mkdir()
    shutil.copy(APPROVAL, directory)
    backend_app.config["BPMN_DIR"] = str(directory)
    return directory


def test_bootstrap_seeds_an_empty_database_then_never_changes_what_runs(backend_app: Flask, bpmn_dir: Path,
                                                                      tmp_path: Path) -> None:
    first = run(backend_app, "bootstrap")
    assert first.exit_code == 0, first.output
    assert first.output.splitlines()[-2] == "approval.bpmn: new deployment #1 (approval v1)"
    assert first.output.splitlines()[-1].startswith("calendar: ")  # the working-day calendar (issue 16)
    assert run(backend_app, "deploy", str(edited(tmp_path, "v2"))).exit_code == 0

    again = run(backend_app, "bootstrap")  # bpmn/ still holds v1: the database decides, not the folder

    assert again.exit_code == 0, again.output
    assert again.output.splitlines()[-2] == ("approval.bpmn: differs from what runs (approval v2), which a restart "
                                             "keeps; `relayflow deploy` the file to make it current")
    assert again.output.splitlines()[-1].startswith("calendar: 0 days added")
    assert latest_versions(backend_app) == {"approval": 2}
    assert deployment_events(backend_app) == ["deployment.created"] * 2


def test_the_worker_start_seeds_new_processes_and_leaves_running_ones(
        backend_app: Flask, bpmn_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(Worker, "run_forever", lambda self: None)
    assert run(backend_app, "deploy", str(edited(tmp_path, "v2"))).exit_code == 0  # what runs is not bpmn/'s approval
    shutil.copy(TEST_BPMN / "timer_wait.bpmn", bpmn_dir)  # a process that has no version yet

    started = run(backend_app, "worker")

    assert started.exit_code == 0, started.output
    assert started.output.splitlines() == [
        "approval.bpmn: differs from what runs (approval v1), which a restart keeps; "
        "`relayflow deploy` the file to make it current",
        "timer_wait.bpmn: new deployment #2 (timer_wait v1)"]
    assert latest_versions(backend_app) == {"approval": 1, "timer_wait": 1}
    assert run(backend_app, "worker").output.splitlines() == [
        "approval.bpmn: differs from what runs (approval v1), which a restart keeps; "
        "`relayflow deploy` the file to make it current",
        "timer_wait.bpmn: unchanged #2 (timer_wait v1)"]


@pytest.mark.parametrize(("declared", "codec"), [("ISO-8859-1", "latin-1"), ("UTF-16", "utf-16")])
def test_a_file_saved_in_another_encoding_deploys_from_the_command_line(
        backend_app: Flask, tmp_path: Path, declared: str, codec: str) -> None:
    """issue 10 item 10: a valid ISO-8859-1 file with an "ä", or a UTF-16 file, crashed with a traceback."""
    path = tmp_path / "approval.bpmn"
    text = APPROVAL.read_text(encoding="utf-8").replace('encoding="UTF-8"', f'encoding="{declared}"')
    path.write_bytes(text.replace("Review the application", "Prüfung").encode(codec))
    result = run(backend_app, "deploy", str(path))
    assert (result.exit_code, result.output) == (0, "approval.bpmn: new deployment #1 (approval v1)\n")
