"""Issue 12 item 9 in Chromium: an analyst adds a "supervisor review" user task with a two-field
form written as JSON Schema (a choice and a comment) between approval and issue, in the approver's
lane; after it is deployed an approver completes it from the inbox, in Chinese, and what they sent
is in the case's history — no Python was written for the form."""

from __future__ import annotations

from playwright.sync_api import expect
from sqlalchemy import select

from storage.models import HistoryEvent, UserTask
from tests.browser.batch_support import approved_batch
from tests.browser.conftest import LiveSite
from tests.utility import DEPLOYER
from tests.web.schema_form_support import edited_bundle


def test_an_approver_completes_the_analysts_supervisor_review_in_the_inbox(live: LiveSite) -> None:
    live.services.deploy_files(edited_bundle(), DEPLOYER)
    batch = approved_batch(live, "3400000011")

    ann = live.signed_in("ann", "approver", lang="zh")
    ann.goto("/tasks?tab=groups")
    ann.get_by_test_id("inbox-table").get_by_role("link", name="Supervisor review").click()
    form = ann.get_by_test_id("task-form")
    expect(form).to_have_attribute("data-form", "schema")
    expect(form).to_contain_text("主管意见")
    expect(ann.get_by_test_id("task-head")).to_contain_text("审批人")  # the lane's name, not its role id
    ann.get_by_test_id("send").click()  # nothing chosen: refused, the choice named
    expect(ann.get_by_test_id("error-choice")).to_be_visible()
    ann.get_by_label("同意执行").check()
    ann.fill("textarea[name=comment]", "客户欠费已核实")
    ann.get_by_test_id("send").click()
    expect(ann.get_by_test_id("task-form")).to_have_count(0)

    with live.services.db.reading() as session:
        [done] = session.execute(select(HistoryEvent).where(
            HistoryEvent.instance_id == batch, HistoryEvent.type == "task.completed",
            HistoryEvent.element_id == "supervise")).scalars()
        next_tasks = list(session.execute(select(UserTask.element_id).where(UserTask.instance_id == batch)).scalars())
    assert (done.actor, done.data["data"]) == ("ann", {"choice": "ok", "comment": "客户欠费已核实"})
    assert next_tasks == ["issue"]
