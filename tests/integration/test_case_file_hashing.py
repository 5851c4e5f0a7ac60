"""Issue 5: the standalone script's canonical JSON is exactly ``app/runtime/canonical.py``'s — its
hash of an event, read back from an exported file, equals ``event_hash`` for Chinese text,
decimals, floats, nested data and characters JSON escapes — and it imports only the standard
library, so a third party needs nothing of ours."""

from __future__ import annotations

import ast
import json
import sys
from datetime import UTC, date, datetime
from decimal import Decimal

from app.audit.case_file import HASHED_FIELDS
from app.audit.standalone import verify_case
from app.config import PROJECT_ROOT
from app.runtime.events.history import GENESIS_HASH, NewEvent, chain, event_hash, hashed_content

SCRIPT = PROJECT_ROOT / "app" / "audit" / "standalone" / "verify_case.py"

EVENTS = [
    NewEvent("task.completed", "on_site", {
        "data": {"note": "更换保险丝，已合闸", "amount": Decimal("1234.50"), "day": date(2026, 3, 2)},
        "changes": {"note": [None, "更换保险丝，已合闸"]}}, actor="抄表员-王"),
    NewEvent("service.called", "send_command", {
        "result": {"ratio": 0.1, "tiny": 1e-7, "whole": 1.0, "big": 2**62, "negative": -3, "none": None,
                   "flags": [True, False], "nested": {"b": [1, {"z": "电表", "a": ["ü", "😀"]}], "a": {}}},
        "params": {"text": 'quote " backslash \\ tab \t newline \n line-sep \u2028 nul \x00'}}),
    NewEvent("message.received", None, {"payload": {"键": "值", "Zürich": "ß", "empty": ""}}),
]


def _rows() -> list[dict[str, object]]:
    return chain(EVENTS, stream="instance/7", head=(0, GENESIS_HASH), actor="system:test",
                 at=datetime(2026, 3, 2, 1, 2, 3, 456789, tzinfo=UTC), instance_id=7, deployment_id=3)


def test_the_scripts_hash_equals_event_hash_after_a_round_trip_through_the_file() -> None:
    rows = _rows()
    exported = [{**hashed_content(row), "hash": row["hash"]} for row in rows]
    text = json.dumps({"events": exported}, ensure_ascii=False, indent=1)  # as the export writes it
    read_back = json.loads(text.encode("utf-8").decode("utf-8"))["events"]
    for row, event in zip(rows, read_back, strict=True):
        assert verify_case.event_hash(event) == event_hash(hashed_content(row)) == row["hash"]
    assert read_back[0]["data"]["data"]["amount"] == "1234.50"  # decimals travel as their exact text


def test_a_changed_character_changes_the_scripts_hash() -> None:
    event = {**hashed_content(_rows()[0]), "hash": ""}
    before = verify_case.event_hash(event)
    event["data"]["data"]["note"] = "更换保险丝，已合闸 "
    assert verify_case.event_hash(event) != before


def test_the_hashed_fields_are_the_runtimes() -> None:
    assert tuple(hashed_content(_rows()[0])) == HASHED_FIELDS == verify_case.HASHED_FIELDS
    assert verify_case.GENESIS == GENESIS_HASH


def test_the_script_imports_only_the_standard_library() -> None:
    tree = ast.parse(SCRIPT.read_text())
    modules = {alias.name.split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.Import)
               for alias in node.names}
    modules |= {str(node.module).split(".")[0] for node in ast.walk(tree)
                if isinstance(node, ast.ImportFrom) and node.level == 0}
    assert modules and modules <= set(sys.stdlib_module_names) | {"__future__"}, modules
