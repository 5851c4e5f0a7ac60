"""Issue 13, "Must show": the customer page and the audit case search show a customer's approved but
not yet cut batch — the M4.1 application and the M4.2 approval with who and when, the M4.3.1 notice
queued, the day of the cut — in Chinese; and a reader's on-site task says why it is on site (M1.2)."""

from __future__ import annotations

from playwright.sync_api import expect

from app.usecases.reconnections import run_patrol
from tests.browser.batch_support import approved_batch
from tests.browser.conftest import LiveSite, screenshot
from tests.utility import NOW, seed_customer

MEMBER = "3400000011"


def test_the_customer_page_and_the_case_search_show_an_approved_batch_not_yet_cut(live: LiveSite) -> None:
    batch = approved_batch(live, MEMBER)  # the notice SMS is queued, the cut is not yet issued

    desk = live.signed_in("amy", "applicant", lang="zh")
    desk.goto(f"/customers/{MEMBER}")
    case = desk.locator(f'[data-testid="case"][data-case="{batch}"]')
    expect(case).to_be_visible()
    expect(case).to_contain_text("批次成员")
    expect(case.locator('[data-step="applied"]')).to_contain_text("提交申请")
    expect(case.locator('[data-step="applied"]')).to_contain_text("办理人：reader-rui")
    expect(case.locator('[data-step="approved"]')).to_contain_text("审批通过")
    expect(case.locator('[data-step="approved"]')).to_contain_text("办理人：bo")
    expect(case.locator('[data-step="notice_queued"]')).to_contain_text("停电通知短信已排队")
    expect(case.locator('[data-step="cut_scheduled"]')).to_contain_text(f"计划 {NOW.date()} 停电")
    expect(case.get_by_test_id("case-stage")).to_contain_text("等待办理")
    expect(desk.get_by_test_id("nothing-open")).to_have_count(0)
    expect(desk.get_by_text("该用户当前没有未完成的工单或流程")).to_have_count(0)
    expect(desk.get_by_test_id("timeline-table")).to_contain_text("审批通过")
    screenshot(desk, "customer-batch-member")

    auditor = live.signed_in("audrey", "auditor", lang="zh")
    auditor.goto("/audit/cases")
    auditor.get_by_test_id("case-filters").get_by_label("户号").fill(MEMBER)
    auditor.get_by_test_id("case-filters").get_by_role("button", name="查询").click()
    row = auditor.locator(f'tr[data-case="{batch}"]')
    expect(row).to_be_visible()
    expect(row).to_contain_text("批次成员")
    stage = row.get_by_test_id("case-stage")
    expect(stage).to_contain_text("等待办理")
    stage.locator("summary").click()
    expect(stage.locator('[data-step="approved"]')).to_contain_text("办理人：bo")
    expect(stage.locator('[data-step="cut_scheduled"]')).to_contain_text(f"计划 {NOW.date()} 停电")


def test_a_reader_sees_their_segment_and_why_the_reconnection_is_on_site(live: LiveSite) -> None:
    seed_customer(live.services, "3400000006", auto_reconnect=False)  # not flagged (M1.2): on site
    assert run_patrol(live.services.runtime).started == 1
    rui = live.signed_in("reader-rui", "executor", lang="zh")
    rui.goto("/tasks")
    scope = rui.get_by_test_id("segment-scope")
    expect(scope.get_by_role("link", name="只看我的抄表段")).to_have_attribute("aria-current", "page")
    expect(scope.get_by_role("link", name="全部抄表段")).to_be_visible()
    rui.get_by_test_id("inbox-table").get_by_role("link", name="现场复电").first.click()
    why = rui.get_by_test_id("why-on-site")
    expect(why).to_have_attribute("data-why", "not_flagged")
    expect(why).to_contain_text("未尝试远程复电：该用户未设置自动复电标志")
