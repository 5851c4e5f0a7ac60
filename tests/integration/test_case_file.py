"""Issue 5: an exported case file verifies with the standalone script (``app/audit/standalone/verify_case.py``,
run in its own Python process, isolated from this project), and every kind of tampering with the
file is caught and named: an event edited, deleted, two swapped, a BPMN file edited, the tail cut,
an edit with its hash re-computed, a head other than the one obtained independently."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from app.audit.case_file import HASHED_FIELDS
from app.audit.standalone import verify_case
from app.config import PROJECT_ROOT
from tests.web.conftest import Site, site
from tests.web.test_audit_cases import reconnected_after_two_failed_sends

__all__ = ["site"]
SCRIPT = PROJECT_ROOT / "app" / "audit" / "standalone" / "verify_case.py"
Case = dict[str, Any]


def run_script(tmp_path: Path, case: Case | bytes, *extra: str) -> subprocess.CompletedProcess[str]:
    """The script as a third party runs it: its own interpreter in isolated mode (-I: no
    PYTHONPATH, no site-packages of ours), from a directory that is not the project."""
    path = tmp_path / "case.json"
    path.write_bytes(case if isinstance(case, bytes) else json.dumps(case, ensure_ascii=False).encode("utf-8"))
    copy = tmp_path / "verify_case.py"
    copy.write_bytes(SCRIPT.read_bytes())
    return subprocess.run([sys.executable, "-I", str(copy), str(path), *extra], cwd=tmp_path, capture_output=True,
                          text=True, timeout=60, check=False)


@pytest.fixture
def exported(site: Site) -> tuple[bytes, Case]:
    instance_id = reconnected_after_two_failed_sends(site)
    response = site.person("ann", "auditor").get(f"/audit/cases/{instance_id}/export.json")
    assert response.status_code == 200
    return response.data, json.loads(response.data)


def test_a_real_export_verifies_in_a_separate_process(exported: tuple[bytes, Case], tmp_path: Path) -> None:
    raw, case = exported
    done = run_script(tmp_path, raw)
    assert done.returncode == 0, done.stdout + done.stderr
    head = case["head"]
    assert done.stdout.splitlines()[0] == f"verified: {len(case['events'])} events, head #{head['seq']} {head['hash']}"
    assert case["head"]["seq"] == 69 and case["events"][-1]["type"] == "instance.completed"
    assert run_script(tmp_path, raw, "--head", head["hash"]).returncode == 0


def test_the_file_holds_exactly_the_hashed_fields_and_the_hash(exported: tuple[bytes, Case]) -> None:
    _raw, case = exported
    assert all(list(event) == [*HASHED_FIELDS, "hash"] for event in case["events"])
    assert case["hashing"]["fields"] == list(HASHED_FIELDS) == list(verify_case.HASHED_FIELDS)
    assert case["deployment"]["files"][0]["name"] == "reconnect.bpmn"
    assert case["deployment"]["files"][0]["content"] == (PROJECT_ROOT / "bpmn" / "reconnect.bpmn").read_text()
    assert case["verification"]["replay"]["verified"] is True


def _edit_event(case: Case) -> str:
    event = next(e for e in case["events"] if e["type"] == "message.received")
    event["data"]["payload"]["stage"] = "executed"  # the first send "succeeded"
    return f"instance/{event['instance_id']}#{event['seq']}: content does not match its hash"


def _edit_and_rehash(case: Case) -> str:
    event = next(e for e in case["events"] if e["type"] == "message.received")
    event["data"]["payload"]["stage"] = "executed"
    event["hash"] = verify_case.event_hash(event)  # a forger re-computes this event's hash...
    return f"#{event['seq'] + 1}: previous-hash link broken"  # ...the next event still names the old one


def _delete(case: Case) -> str:
    del case["events"][19]  # seq 20
    return "expected event #20, found #21"


def _swap(case: Case) -> str:
    events = case["events"]
    events[29], events[30] = events[30], events[29]  # seq 30 and 31
    return "expected event #30, found #31"


def _cut_tail(case: Case) -> str:
    case["events"].pop()
    return "chain ends at #68, head says #69"


def _edit_file(case: Case) -> str:
    bpmn = case["deployment"]["files"][0]
    bpmn["content"] = bpmn["content"].replace('value="30"', 'value="300"', 1)  # a longer command validity
    return "deployment file reconnect.bpmn: content does not match its sha256"


def _rename_file(case: Case) -> str:
    case["deployment"]["files"][0]["name"] = "other.bpmn"
    return f"deployment {case['deployment']['id']}: bundle hash does not match its files"


@pytest.mark.parametrize("tamper", [_edit_event, _edit_and_rehash, _delete, _swap, _cut_tail, _edit_file,
                                    _rename_file], ids=lambda f: f.__name__.strip("_"))
def test_tampering_is_named_and_exits_1(exported: tuple[bytes, Case], tmp_path: Path,
                                        tamper: Callable[[Case], str]) -> None:
    _raw, case = exported
    says = tamper(case)
    done = run_script(tmp_path, case)
    assert done.returncode == 1, done.stdout
    assert done.stdout.startswith("BROKEN:") and says in done.stdout, done.stdout


def test_a_head_other_than_the_expected_one_exits_1(exported: tuple[bytes, Case], tmp_path: Path) -> None:
    raw, case = exported
    done = run_script(tmp_path, raw, "--head", "f" * 64)
    assert done.returncode == 1 and f"head #{case['head']['seq']} is {case['head']['hash']}, not the expected" \
        in done.stdout


def test_what_is_not_a_case_file_exits_2_or_names_what_is_missing(tmp_path: Path) -> None:
    assert run_script(tmp_path, b"{not json").returncode == 2
    assert run_script(tmp_path, b"[1, 2]").returncode == 2
    done = run_script(tmp_path, {"stream": "instance/1", "events": []})
    assert done.returncode == 1 and "not a case file: missing or malformed 'deployment'" in done.stdout
    assert subprocess.run([sys.executable, "-I", str(SCRIPT)], capture_output=True, check=False).returncode == 2


def sealed_export(site: Site) -> tuple[Case, Path]:
    """A case sealed into the installation's global chain, exported; and the anchor file."""
    instance_id = reconnected_after_two_failed_sends(site)
    sealer = site.services.sealer
    assert sealer is not None and sealer.seal_all() >= 1
    response = site.person("ann", "auditor").get(f"/audit/cases/{instance_id}/export.json")
    return json.loads(response.data), sealer.anchor.path


def test_a_sealed_export_is_found_in_the_installation_s_anchor_file(site: Site, tmp_path: Path) -> None:
    """Issue 5: event → the seal naming it → the seal's hash → the anchor kept outside our database."""
    case, anchor = sealed_export(site)
    assert case["seal"]["heads"][case["stream"]] == [case["head"]["seq"], case["head"]["hash"]]
    done = run_script(tmp_path, case, "--anchor", str(anchor))
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"is sealed by seal 1 {case['seal']['hash']}, anchored at line 1" in done.stdout
    without = run_script(tmp_path, case)
    assert without.returncode == 0 and "give --anchor" in without.stdout


def test_a_seal_that_does_not_match_is_named(site: Site, tmp_path: Path) -> None:
    case, anchor = sealed_export(site)
    renamed = json.loads(json.dumps(case))
    renamed["seal"]["heads"][case["stream"]][1] = "f" * 64
    done = run_script(tmp_path, renamed, "--anchor", str(anchor))
    assert done.returncode == 1 and "seal 1 does not name an event of" in done.stdout

    forged_anchor = tmp_path / "other-anchor.jsonl"
    line = json.loads(anchor.read_text().splitlines()[0])
    forged_anchor.write_text(json.dumps({**line, "hash": "0" * 64}) + "\n")
    done = run_script(tmp_path, case, "--anchor", str(forged_anchor))
    assert done.returncode == 1 and "seal 1 differs from line 1 of the anchor file" in done.stdout

    empty_anchor = tmp_path / "empty.jsonl"
    empty_anchor.write_text("")
    assert "seal 1 is not in the anchor file" in run_script(tmp_path, case, "--anchor", str(empty_anchor)).stdout


def test_an_unsealed_case_says_so(exported: tuple[bytes, Case], tmp_path: Path) -> None:
    raw, case = exported
    assert case["seal"] is None
    assert "seal: none yet" in run_script(tmp_path, raw).stdout
    anchor = tmp_path / "anchor.jsonl"
    anchor.write_text("")
    done = run_script(tmp_path, raw, "--anchor", str(anchor))
    assert done.returncode == 1 and "carries no seal" in done.stdout
