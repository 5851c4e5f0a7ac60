"""Feedback that says what happened, and drafts that do not pile up (issue 13 items 5 and 6), in
Chromium and in Chinese: 新建申请 twice, one draft discarded (recorded: who, when), no extra
running case; an approval's message names the batch and the next step, and its link opens the case."""

from __future__ import annotations

import re

from playwright.sync_api import expect
from sqlalchemy import select

from storage.models import Instance
from tests.browser.batch_support import APPLICANT, open_task_id
from tests.browser.conftest import LiveSite, screenshot
from tests.web.task_forms_support import owing


def running_disconnections(live: LiveSite) -> list[int]:
    with live.services.db.reading() as session:
        return list(session.execute(select(Instance.id).where(Instance.process_id == "disconnect",
                                                              Instance.status == "running")
                                    .order_by(Instance.id)).scalars())


def test_two_new_applications_then_one_draft_discarded_leaves_one_running_case(live: LiveSite) -> None:
    """M4.1: an application is its author's draft until sent on; its author discards one."""
    rui = live.signed_in(APPLICANT.name, "applicant", lang="zh")
    for _ in range(2):
        rui.goto("/disconnections/new")
        rui.get_by_test_id("start-form").get_by_role("button", name="新建申请").click()
        expect(rui.get_by_test_id("task-form")).to_be_visible()
    first, second = running_disconnections(live)

    rui.goto("/disconnections/new")
    drafts = rui.get_by_test_id("case-drafts")
    expect(drafts.locator("tbody tr")).to_have_count(2)
    rui.get_by_test_id(f"discard-{first}").click()
    flash = rui.locator(".flash.success")
    expect(flash).to_contain_text(f"批次 #{first}：草稿已放弃。")
    expect(drafts.locator("tbody tr")).to_have_count(1)
    expect(rui.get_by_test_id(f"draft-{second}")).to_be_visible()
    assert running_disconnections(live) == [second]  # no abandoned running case

    flash.get_by_test_id("case-link").click()
    expect(rui).to_have_url(re.compile(rf"/instances/{first}$"))
    expect(rui.get_by_test_id("instance-status")).to_have_text("已终止")
    expect(rui.locator("body")).to_contain_text(re.compile(rf"草稿已由 {APPLICANT.name} 于 \S+ \S+ 放弃。"))


def test_an_approval_says_which_batch_and_what_happens_next_with_a_working_link(live: LiveSite) -> None:
    """M4.2 → M4.3.1: claimed from the inbox (which opens the form), approved; the message names the
    batch, its customer, the notice SMS queued and the executor's step, and links to the case."""
    owing(live, "3400000011")
    runtime = live.services.runtime
    batch = runtime.start("disconnect", {}, APPLICANT)
    runtime.complete_task(open_task_id(live, "apply"), {"customers": ["3400000011"], "reason": "arrears",
                                                        "planned_date": "2026-03-02"}, APPLICANT)
    bo = live.signed_in("bo", "approver", lang="zh")
    bo.goto("/tasks?tab=groups")
    bo.get_by_test_id("inbox-table").get_by_role("button", name="认领").first.click()
    expect(bo.get_by_test_id("task-form")).to_be_visible()  # claiming opens the task
    expect(bo.locator(".flash.success")).to_contain_text("已认领「停电审批」，现在由您办理。")

    bo.fill("textarea[name=opinion]", "同意：欠费已核实")
    bo.get_by_test_id("approve").click()
    flash = bo.locator(".flash.success")
    expect(flash).to_contain_text(f"批次 #{batch}，用户 3400000011 Customer 3400000011：「停电审批」已完成。")
    expect(flash).to_contain_text("已排队发送 1 条短信")
    expect(flash).to_contain_text("「下发停电指令」等待执行人办理")
    screenshot(bo, "case-feedback-zh")
    flash.get_by_test_id("case-link").click()
    expect(bo).to_have_url(re.compile(rf"/instances/{batch}$"))
    expect(bo.get_by_test_id("open-tasks")).to_contain_text("下发停电指令")
