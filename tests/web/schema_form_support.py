"""A copy of bpmn/disconnect.bpmn with a "supervisor review" user task the analyst adds between
approval and issue (issue 12 item 9): a two-field form written as JSON Schema, in the approver's
lane — no Python written for it."""

from __future__ import annotations

import json
from html import escape

from tests.utility import BPMN_DIR, child_bundle

SUPERVISOR_FORM = {
    "type": "object", "required": ["choice"],
    "properties": {
        "choice": {"type": "string", "enum": ["ok", "redo"], "title": "Supervisor's decision", "x-title-zh": "主管意见",
                   "x-labels": {"ok": {"en": "Fine, go on", "zh": "同意执行"}, "redo": {"en": "Redo", "zh": "重做"}},
                   "x-ui": "radio"},
        "comment": {"type": "string", "title": "Comment", "x-title-zh": "说明", "x-ui": "textarea", "minLength": 1},
    },
}


def edited_bundle() -> dict[str, bytes]:
    """The files to deploy together: the edited diagram and the child process it starts."""
    return {"disconnect.bpmn": disconnect_with_supervisor_review(), **child_bundle()}


def disconnect_with_supervisor_review() -> bytes:
    """approve → (approved) → supervise → notify … issue: the approved branch passes the review."""
    text = (BPMN_DIR / "disconnect.bpmn").read_text(encoding="utf-8")
    task = f"""    <bpmn:userTask id="supervise" name="Supervisor review">
      <bpmn:extensionElements>
        <spiffworkflow:properties>
          <spiffworkflow:property name="form" value="{escape(json.dumps(SUPERVISOR_FORM, ensure_ascii=False))}" />
          <spiffworkflow:property name="due_in" value="PT4H" />
        </spiffworkflow:properties>
      </bpmn:extensionElements>
      <bpmn:incoming>f_approved</bpmn:incoming>
      <bpmn:outgoing>f_supervised</bpmn:outgoing>
    </bpmn:userTask>
    <bpmn:sequenceFlow id="f_supervised" sourceRef="supervise" targetRef="notify" />
"""
    old_flow = 'targetRef="notify"'
    assert text.count(old_flow) == 1
    text = text.replace(old_flow, 'targetRef="supervise"')
    text = text.replace("<bpmn:incoming>f_approved</bpmn:incoming>", "<bpmn:incoming>f_supervised</bpmn:incoming>")
    text = text.replace("        <bpmn:flowNodeRef>approved</bpmn:flowNodeRef>\n",
                        "        <bpmn:flowNodeRef>approved</bpmn:flowNodeRef>\n"
                        "        <bpmn:flowNodeRef>supervise</bpmn:flowNodeRef>\n")
    text = text.replace("  </bpmn:process>", task + "  </bpmn:process>")
    return text.encode()
