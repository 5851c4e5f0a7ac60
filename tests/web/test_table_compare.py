"""Issue 16 item 6: two versions of a decision table compared rule by rule, where diagrams are
compared — the compare page and ``GET /api/processes/<id>/compare`` — on SQLite and PostgreSQL."""

from __future__ import annotations

from tests.conftest import SYSADMIN, TEST_BPMN
from tests.web.conftest import Site
from tests.web.workbench_support import put_json

DIAGRAM = (TEST_BPMN / "decide.bpmn").read_text(encoding="utf-8")
TABLE = (TEST_BPMN / "cut_window.dmn").read_text(encoding="utf-8")


def test_a_draft_that_moves_the_window_end_compares_as_one_changed_cell(site: Site) -> None:
    site.services.deploy_files({"decide.bpmn": DIAGRAM.encode(), "cut_window.dmn": TABLE.encode()}, SYSADMIN)
    analyst = site.person("ann", "analyst")
    opened = analyst.post_json("/api/processes/decide/drafts", {"title": "until 17:00"})
    assert opened.status_code == 201, opened.json
    draft_id = opened.json["draft_id"]
    saved = put_json(analyst, f"/api/drafts/{draft_id}", {"files": {
        "decide.bpmn": DIAGRAM, "cut_window.dmn": TABLE.replace("[8..15[", "[8..17[")}, "base_revision": 1})
    assert saved.status_code == 200, saved.json
    revision = saved.json["revision"]["id"]
    answer = analyst.get(f"/api/processes/decide/compare?a=v1&b=r{revision}")
    assert answer.status_code == 200, answer.json
    assert answer.json["tables"] == [{
        "decision_id": "may_cut", "name": "May this customer be cut now?", "file": "cut_window.dmn",
        "kind": "changed", "hit_policy": None, "columns": [],
        "rules": [{"kind": "changed", "rule_id": "r2", "row_a": 2, "row_b": 2,
                   "cells": [{"column": "Hour (Beijing)", "old": "[8..15[", "new": "[8..17["}]}]}]
    [element] = answer.json["elements"]  # the diagram marks the task that asks the table
    assert (element["element_id"], element["changes"][0]["label"]) == ("ask", "Decision table")
    page = analyst.get(f"/processes/decide/compare?a=v1&b=r{revision}", headers={"Accept-Language": "zh"})
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and 'data-rule="r2"' in text and "[8..17[" in text and "决策表" in text
