"""Deploy lint added with the analysts' workbench (issue 12, items 3, 8, 9): lanes carry their role as a
property, every user task has a form, a form's JSON Schema is valid and drawable, ``max_customers``
is a positive number. Each problem names the element id, the name and the line."""

from __future__ import annotations

import json
from html import escape

import pytest

from app.accounts.roles import ROLES
from app.runtime.deployment.bpmn_source import BPMN_NS, SPIFF_NS, read_bpmn
from app.runtime.deployment.lint import lint_tree, lint_warnings

VALIDATORS = {"disconnection.approval"}


def definitions(body: str) -> str:
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="{BPMN_NS}" xmlns:spiffworkflow="{SPIFF_NS}" id="d" targetNamespace="http://t">
  <bpmn:process id="main" isExecutable="true">
{body}
  </bpmn:process>
</bpmn:definitions>
"""


def lane(lane_id: str, name: str, role: str | None, *refs: str) -> str:
    prop = (f'<bpmn:extensionElements><spiffworkflow:properties><spiffworkflow:property name="role" '
            f'value="{role}" /></spiffworkflow:properties></bpmn:extensionElements>') if role is not None else ""
    nodes = "".join(f"<bpmn:flowNodeRef>{ref}</bpmn:flowNodeRef>" for ref in refs)
    return f'      <bpmn:lane id="{lane_id}" name="{name}">{prop}{nodes}</bpmn:lane>\n'


def task(task_id: str, **properties: str) -> str:
    props = "".join(f'<spiffworkflow:property name="{k}" value="{escape(v)}" />' for k, v in properties.items())
    return (f'    <bpmn:userTask id="{task_id}" name="Task {task_id}">\n'
            f"      <bpmn:extensionElements><spiffworkflow:properties>{props}</spiffworkflow:properties>"
            "</bpmn:extensionElements>\n    </bpmn:userTask>")


def lint(text: str) -> list[tuple[int | None, str | None, str]]:
    tree = read_bpmn("t.bpmn", text.encode())
    problems = lint_tree("t.bpmn", tree, operators=set(), roles=ROLES, processes={"main"}, validators=VALIDATORS)
    return [(p.line, p.element_id, p.message) for p in problems]


def line_of(text: str, marker: str) -> int:
    return next(number for number, line in enumerate(text.splitlines(), 1) if marker in line)


def test_a_lane_keeps_its_human_name_and_carries_its_role() -> None:
    text = definitions("    <bpmn:laneSet id=\"ls\">\n" + lane("lane_approver", "审批人", "approver", "review")
                       + "    </bpmn:laneSet>\n" + task("review", validator="disconnection.approval"))
    assert lint(text) == []
    assert lint_warnings("t.bpmn", read_bpmn("t.bpmn", text.encode()), roles=ROLES) == []


def test_a_lane_whose_role_is_no_role_is_refused_with_its_id_name_and_line() -> None:
    text = definitions("    <bpmn:laneSet id=\"ls\">\n" + lane("lane_boss", "主管", "boss", "review")
                       + lane("lane_empty", "空", "") + "    </bpmn:laneSet>\n"
                       + task("review", validator="disconnection.approval"))
    [(line, element, message), (empty_line, empty, empty_message)] = lint(text)
    assert (line, element) == (line_of(text, "lane_boss"), "lane_boss")
    assert message.startswith("lane '主管' has the role 'boss', which is not a role; roles: analyst, applicant")
    assert (empty_line, empty) == (line_of(text, "lane_empty"), "lane_empty")
    assert "lane '空' has an empty role property" in empty_message


def test_a_lane_named_by_its_role_still_deploys_with_a_warning_saying_how_to_migrate() -> None:
    text = definitions("    <bpmn:laneSet id=\"ls\">\n" + lane("lane_approver", "approver", None, "review")
                       + "    </bpmn:laneSet>\n" + task("review", validator="disconnection.approval"))
    assert lint(text) == []
    [warning] = lint_warnings("t.bpmn", read_bpmn("t.bpmn", text.encode()), roles=ROLES)
    where = (warning.line, warning.element_id, warning.severity)
    assert where == (line_of(text, "lane_approver"), "lane_approver", "warning")
    assert "names its role by its name" in warning.message
    assert '<spiffworkflow:property name="role" value="approver"/>' in warning.message
    assert str(warning).startswith(f"t.bpmn:{warning.line} [lane_approver] warning: lane 'approver'")


def test_a_persons_task_in_the_system_lane_is_refused() -> None:
    text = definitions("    <bpmn:laneSet id=\"ls\">\n" + lane("lane_system", "系统", "system", "review")
                       + "    </bpmn:laneSet>\n" + task("review", validator="disconnection.approval"))
    [(line, element, message)] = lint(text)
    assert (line, element) == (line_of(text, '<bpmn:userTask id="review"'), "review")
    assert message.startswith("userTask 'Task review' is in the lane '系统', whose role is 'system': "
                              "nobody could do it")


def test_a_user_task_without_validator_or_form_is_refused() -> None:
    text = definitions(task("look"))
    [(line, element, message)] = lint(text)
    assert (line, element) == (line_of(text, 'id="look"'), "look")
    assert message.startswith("user task 'Task look' has neither a validator nor a form: its page could not be "
                              "completed")


def test_an_unknown_validator_is_refused() -> None:
    text = definitions(task("review", validator="disconnection.aproval"))
    [(line, element, message)] = lint(text)
    assert (line, element) == (line_of(text, "disconnection.aproval"), "review")
    assert message.startswith("user task names validator 'disconnection.aproval', which is not installed; known: "
                              "disconnection.approval")


@pytest.mark.parametrize("value", ["0", "-3", "five hundred", "2.5", "", "١٢"])
def test_max_customers_must_be_a_positive_whole_number(value: str) -> None:
    text = definitions(task("apply", validator="disconnection.approval", max_customers=value))
    [(line, element, message)] = lint(text)
    assert (line, element) == (line_of(text, "max_customers"), "apply")
    assert message.startswith(f"max_customers={value!r} must be a positive whole number")


def test_max_customers_that_is_a_positive_number_passes() -> None:
    assert lint(definitions(task("apply", validator="disconnection.approval", max_customers="500"))) == []


def test_due_in_must_be_an_iso_duration() -> None:
    text = definitions(task("review", validator="disconnection.approval", due_in="2 days"))
    [(line, element, message)] = lint(text)
    assert (line, element) == (line_of(text, "due_in"), "review")
    assert "due_in='2 days' is refused" in message


SUPERVISOR_FORM = {
    "type": "object", "required": ["choice"],
    "properties": {
        "choice": {"type": "string", "enum": ["ok", "redo"], "title": "Decision", "x-title-zh": "决定",
                   "x-labels": {"ok": {"en": "Fine", "zh": "通过"}, "redo": {"en": "Redo", "zh": "重做"}}},
        "comment": {"type": "string", "title": "Comment", "x-title-zh": "意见", "x-ui": "textarea"},
    },
}


def test_a_json_schema_form_passes_and_counts_as_the_tasks_form() -> None:
    assert lint(definitions(task("supervise", form=json.dumps(SUPERVISOR_FORM)))) == []


def test_a_form_that_is_not_json_is_refused_with_the_position_of_the_json_error() -> None:
    text = definitions(task("supervise", form='{"type": "object", "properties": {"a": }}'))
    [(line, element, message)] = lint(text)
    assert (line, element) == (line_of(text, 'name="form"'), "supervise")
    assert message == "form is not valid JSON: Expecting value at line 1 column 40 of the value"


def test_a_form_that_is_not_a_valid_json_schema_is_refused_saying_where() -> None:
    bad = {"type": "object", "properties": {"choice": {"type": "strng"}}}
    text = definitions(task("supervise", form=json.dumps(bad)))
    [(_, element, message)] = lint(text)
    assert element == "supervise"
    assert message.startswith("form is not a valid JSON Schema (draft 2020-12): at /properties/choice/type: 'strng'")


@pytest.mark.parametrize(("schema", "reason"), [
    ({"type": "array"}, 'form must be {"type": "object", "properties": {…}} with at least one field'),
    ({"type": "object", "properties": {"x": {"type": "object"}}}, "form field 'x' must have a type among string"),
    ({"type": "object", "properties": {"x": {"type": "string", "x-ui": "slider"}}},
     "form field 'x' has x-ui 'slider'; known hints: textarea, radio, select, date"),
    ({"type": "object", "properties": {"x": {"type": "string", "x-ui": "radio"}}},
     "form field 'x' is shown as radio but has no enum to choose from"),
])
def test_a_form_the_app_cannot_draw_is_refused(schema: dict[str, object], reason: str) -> None:
    [(_, _, message)] = lint(definitions(task("supervise", form=json.dumps(schema))))
    assert message.startswith(reason)


def start(until: str) -> str:
    return ('    <bpmn:startEvent id="start"><bpmn:extensionElements><spiffworkflow:properties>'
            f'<spiffworkflow:property name="draft_until" value="{until}" />'
            "</spiffworkflow:properties></bpmn:extensionElements></bpmn:startEvent>\n")


def test_draft_until_must_name_a_user_task_of_its_process() -> None:
    """Issue 13 item 6: a case is a draft until that task is first completed; no such task, no end to it."""
    assert lint(definitions(start("apply") + task("apply", validator="disconnection.approval"))) == []
    text = definitions(start("aply") + task("apply", validator="disconnection.approval"))
    [(line, element, message)] = lint(text)
    assert (line, element) == (line_of(text, "draft_until"), "start")
    assert message.startswith("draft_until='aply' names no user task of this process")
