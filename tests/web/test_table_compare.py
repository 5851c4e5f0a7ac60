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


def test_a_rehearsal_of_the_table_draft_says_how_many_answers_move_in_chinese(site: Site) -> None:
    """Issue 16 must-show: the rehearsal's page counts the recorded cases whose cut decision would move."""
    site.services.deploy_files({"decide.bpmn": DIAGRAM.encode(), "cut_window.dmn": TABLE.encode()}, SYSADMIN)
    for hour in (9, 15, 16, 20):
        site.services.runtime.start("decide", {"customer_class": "household", "day_type": "working_day",
                                               "hour": hour}, SYSADMIN)
    analyst = site.person("ann", "analyst")
    draft_id = analyst.post_json("/api/processes/decide/drafts", {}).json["draft_id"]
    assert put_json(analyst, f"/api/drafts/{draft_id}", {"files": {
        "decide.bpmn": DIAGRAM, "cut_window.dmn": TABLE.replace("[8..15[", "[8..17[")}, "base_revision": 1}
    ).status_code == 200
    started = analyst.post_json(f"/api/drafts/{draft_id}/rehearsals", {"scope": {"last": 200}})
    assert started.status_code == 202, started.json
    job = next(job for job in site.services.jobs if job.name == "rehearsals")
    assert job.run() == 1
    done = analyst.get(f"/api/rehearsals/{started.json['run_id']}?lang=zh").json
    assert [line["line"] for line in done["summary"]][:2] == ["total", "decision"]
    assert done["summary"][1]["text"] == ("有 2 个案例，决策表 may_cut_table（May this customer be cut now?）"
                                          "会给出不同的结果")
    page = analyst.get(f"/processes/decide/drafts/{draft_id}/rehearsals/{started.json['run_id']}?lang=zh")
    assert "会给出 allowed = true" in page.get_data(as_text=True)
