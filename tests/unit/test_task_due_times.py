"""A user task's due time lives in the diagram (``due_in``); deploy lint refuses one that is not a
duration, with the line and the task."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from app.accounts.roles import ROLES
from app.runtime.deployment.bpmn_source import BPMN_NS, read_bpmn
from app.runtime.deployment.lint import lint_tree
from app.runtime.engine.parsing import NSMAP
from app.runtime.engine.projection import parse_due_in

SPIFF_NS = "http://spiffworkflow.org/bpmn/schema/1.0/core"
BPMN_DIR = Path(__file__).resolve().parents[2] / "bpmn"


def user_task(due_in: str) -> str:
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="{BPMN_NS}" xmlns:spiffworkflow="{SPIFF_NS}" id="d" targetNamespace="http://t">
  <bpmn:process id="main" isExecutable="true">
    <bpmn:userTask id="approve" name="Approve">
      <bpmn:extensionElements>
        <spiffworkflow:properties>
          <spiffworkflow:property name="validator" value="x.approve" />
          <spiffworkflow:property name="due_in" value="{due_in}" />
        </spiffworkflow:properties>
      </bpmn:extensionElements>
    </bpmn:userTask>
  </bpmn:process>
</bpmn:definitions>
"""


@pytest.mark.parametrize(("value", "duration"), [
    ("PT4H", timedelta(hours=4)), ("P1D", timedelta(days=1)), ("P1DT12H", timedelta(days=1, hours=12)),
    ("PT90M", timedelta(minutes=90)), ("P2W", timedelta(weeks=2)), ("PT30S", timedelta(seconds=30)),
])
def test_a_due_time_is_an_iso_duration(value: str, duration: timedelta) -> None:
    assert parse_due_in(value) == duration
    tree = read_bpmn("t.bpmn", user_task(value).encode())
    assert lint_tree("t.bpmn", tree, operators=set(), roles=ROLES, processes={"main"}) == []


@pytest.mark.parametrize(("value", "reason"), [
    ("4 hours", "not an ISO-8601 duration"), ("P1M", "not an ISO-8601 duration"),  # a month has no fixed length
    ("PT0S", "zero"), ("P1DT", "not an ISO-8601 duration"), ("-PT1H", "not an ISO-8601 duration"),
    ("", "not an ISO-8601 duration"), ("&quot;PT4H&quot;", "not an ISO-8601 duration"),  # quoted like a timer
])
def test_deploy_lint_refuses_a_bad_due_time_with_its_line(value: str, reason: str) -> None:
    text = user_task(value)
    [problem] = lint_tree("t.bpmn", read_bpmn("t.bpmn", text.encode()), operators=set(), roles=ROLES,
                          processes={"main"})
    assert problem.line == next(n for n, line in enumerate(text.splitlines(), 1) if 'name="due_in"' in line)
    assert problem.element_id == "approve"
    assert reason in problem.message and '"PT4H"' in problem.message


def test_every_user_task_of_the_utility_has_a_due_time() -> None:
    for path in sorted(BPMN_DIR.glob("*.bpmn")):
        tree = read_bpmn(path.name, path.read_bytes())
        for task in tree.iterfind(".//bpmn:userTask", namespaces=NSMAP):
            [due] = task.iterfind(".//spiffworkflow:property[@name='due_in']", namespaces=NSMAP)
            assert parse_due_in(due.get("value") or "") > timedelta(0), (path.name, task.get("id"))
