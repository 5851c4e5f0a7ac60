"""Issue 12's second "must show" in Chromium, from the modeler to the inbox: an analyst adds a
"supervisor review" user task between approval and the SMS notice of ``disconnect`` in the
approver's lane (its role picked in the panel), gives it a two-field form (a choice and a comment)
as JSON Schema in the properties panel, saves with no problem and proposes; a system administrator
approves; after the next batch's approval an approver completes the review in the inbox and what
they sent is in the case's history — no Python written.

The task is drawn with bpmn-js's own modeling commands (what dragging it from the palette onto the
flow does); its form, due time and lane role are set in the panel like an analyst does."""

from __future__ import annotations

import json

from playwright.sync_api import expect
from sqlalchemy import select

from storage.models import HistoryEvent
from tests.browser.batch_support import approved_batch
from tests.browser.conftest import LiveSite
from tests.browser.test_modeler_browser import entry, open_draft, token
from tests.browser.test_modeler_browser import select as select_element
from tests.web.schema_form_support import SUPERVISOR_FORM

# approved ──f_approved──▶ [supervise] ──▶ notify, drawn in the approver's lane (y 140–280)
DRAW_THE_TASK = """() => {
  const modeler = window.relayflowModeler;
  const modeling = modeler.get("modeling"), registry = modeler.get("elementRegistry");
  const shape = modeler.get("elementFactory").createShape({ type: "bpmn:UserTask" });
  const task = modeling.createShape(shape, { x: 540, y: 210 }, registry.get("approve").parent);
  modeling.updateProperties(task, { id: "supervise", name: "Supervisor review" });
  modeling.reconnectEnd(registry.get("f_approved"), task, { x: 490, y: 210 });
  modeling.connect(task, registry.get("notify"));
  return task.businessObject.lanes ? task.businessObject.lanes.map((lane) => lane.id) : [];
}"""


def test_an_analyst_adds_a_supervisor_review_that_an_approver_completes_in_the_inbox(live: LiveSite) -> None:
    page, draft_id = open_draft(live, None, process_id="disconnect")
    page.evaluate(DRAW_THE_TASK)
    select_element(page, "supervise")
    entry(page, "relayflow-form", "textarea").fill(json.dumps(SUPERVISOR_FORM, ensure_ascii=False))
    entry(page, "relayflow-due-in").fill("PT4H")
    select_element(page, "lane_approver")
    entry(page, "relayflow-lane-role", "select").select_option("approver")
    page.get_by_test_id("save").click()
    expect(page.get_by_test_id("modeler-message")).to_contain_text("Saved as revision")
    expect(page.get_by_test_id("modeler-message")).to_contain_text("The check found no problem")
    saved = page.request.get(f"/api/drafts/{draft_id}").json()
    assert saved["revision"]["problems"] == [] and not saved["revision"]["has_errors"]
    assert '<bpmn:flowNodeRef>supervise</bpmn:flowNodeRef>' in saved["files"]["disconnect.bpmn"]
    page.get_by_test_id("propose-form").locator("input[name=comment]").fill("a supervisor looks first")
    page.get_by_test_id("propose").click()
    expect(page.get_by_test_id("modeler-message")).to_contain_text("Proposed for approval.")

    sam = live.signed_in("sam", "sysadmin")
    [proposal] = [p for process in sam.request.get("/api/processes").json() if process["process_id"] == "disconnect"
                  for p in process["proposals"] if p["status"] == "proposed"]
    approved = sam.request.post(f"/api/proposals/{proposal['proposal_id']}/approve", data={}, headers=token(sam))
    assert approved.status == 200, approved.text()

    batch = approved_batch(live, "3400000011")

    ann = live.signed_in("ann", "approver", lang="zh")
    ann.goto("/tasks?tab=groups")
    ann.get_by_test_id("inbox-table").get_by_role("link", name="Supervisor review").click()
    expect(ann.get_by_test_id("task-form")).to_have_attribute("data-form", "schema")
    ann.get_by_label("同意执行").check()
    ann.fill("textarea[name=comment]", "已核实")
    ann.get_by_test_id("send").click()
    expect(ann.get_by_test_id("task-form")).to_have_count(0)

    with live.services.db.reading() as session:
        [done] = session.execute(select(HistoryEvent).where(
            HistoryEvent.instance_id == batch, HistoryEvent.type == "task.completed",
            HistoryEvent.element_id == "supervise")).scalars()
    assert (done.actor, done.data["data"]) == ("ann", {"choice": "ok", "comment": "已核实"})
