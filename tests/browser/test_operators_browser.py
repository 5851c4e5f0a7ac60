"""The operators' day in Chromium: a disconnection batch from application to archive (M4), a
manual reconnection on site (M5.3), and two people racing for one task."""

from __future__ import annotations

from datetime import timedelta

from playwright.sync_api import Page, expect
from sqlalchemy import select

from app.usecases.payments import record_payment
from storage.models import Instance
from tests.browser.conftest import LiveSite, screenshot
from tests.web.instances_support import reconnection
from tests.web.task_forms_support import owing


def _open_task_from_inbox(page: Page, task_name: str, tab: str = "groups") -> None:
    page.goto(f"/tasks?tab={tab}")
    page.get_by_test_id("inbox-table").get_by_role("link", name=task_name).first.click()
    expect(page.get_by_test_id("task-form")).to_be_visible()


def test_a_batch_from_application_to_archive(live: LiveSite) -> None:
    """M4.1 the applicant sees the reader-mismatch warning and sends anyway; M4.2 the approver
    approves; M4.3 the executor cancels a customer who paid meanwhile, issues, and archives."""
    owing(live, "3400000011", "3400000012")
    ann = live.signed_in("ann", "applicant")  # not the reader of segment S01
    ann.goto("/disconnections/new")
    ann.get_by_test_id("start-form").get_by_role("button").click()
    ann.fill("textarea[name=customer_numbers]", "3400000011, 3400000012")
    ann.fill("input[name=reason]", "Arrears overdue for more than 60 days")
    ann.fill("input[name=planned_date]", "2026-03-02")
    ann.get_by_role("button", name="Check").click()
    expect(ann.get_by_test_id("warnings")).to_contain_text("segment S01 belongs to reader-rui")
    expect(ann.get_by_test_id("selected-count")).to_have_text("2")
    screenshot(ann, "application-warning")
    ann.get_by_test_id("send").click()
    expect(ann.get_by_test_id("warnings")).to_have_count(0)

    bo = live.signed_in("bo", "approver")
    bo.goto("/tasks?tab=groups")
    expect(bo.get_by_test_id("inbox-table")).to_contain_text("3400000011")
    screenshot(bo, "inbox")
    bo.goto("/tasks?tab=groups&lang=zh")
    screenshot(bo, "inbox-zh")
    bo.goto("/tasks?tab=groups&lang=en")
    _open_task_from_inbox(bo, "Approve")
    bo.fill("textarea[name=opinion]", "Agreed: notice sent, arrears confirmed")
    bo.get_by_test_id("approve").click()

    record_payment(live.services.runtime, {"payment_id": "P-12", "customer_number": "3400000012", "amount": "320",
                                    "paid_at": live.services.clock.now().isoformat()})
    erin = live.signed_in("erin", "executor")
    erin.on("dialog", lambda dialog: dialog.accept())
    _open_task_from_inbox(erin, "Issue")
    paid = erin.get_by_test_id("paid-meanwhile")
    expect(paid).to_contain_text("3400000012")
    expect(paid.locator("input[value=cancel]")).to_be_checked()
    screenshot(erin, "issue")
    erin.get_by_test_id("issue").click()
    live.utility.advance(timedelta(minutes=2))  # the simulated head-end trips 3400000011
    _open_task_from_inbox(erin, "Send")
    expect(erin.get_by_test_id("outcomes")).to_contain_text("3400000011")
    erin.get_by_test_id("send-to-archive").click()
    with live.services.db.reading() as session:
        batch = session.execute(select(Instance).where(Instance.process_id == "disconnect")).scalar_one()
    assert batch.status == "completed" and batch.result["disconnected"] == ["3400000011"]
    assert live.utility.customer("3400000012").power_status == "connected"


def test_a_reader_claims_and_completes_a_manual_reconnection(live: LiveSite) -> None:
    reconnection(live, "3400000101", behaviour="fails")
    live.utility.advance(timedelta(hours=5), step=timedelta(minutes=5))  # three failed sends: on site
    rui = live.signed_in("reader-rui", "executor")
    rui.goto("/tasks?tab=groups")
    row = rui.get_by_test_id("inbox-table").locator("tbody tr").first
    expect(row).to_contain_text("3400000101")
    row.get_by_role("button", name="Claim").click()
    rui.goto("/tasks?tab=mine")
    expect(rui.get_by_test_id("inbox-table")).to_contain_text("reader-rui")
    _open_task_from_inbox(rui, "on site", tab="mine")
    expect(rui.get_by_test_id("instructions")).to_contain_text("3400000101")
    screenshot(rui, "on-site")
    rui.fill("textarea[name=note], input[name=note]", "fuse replaced, relay closed by hand")
    rui.get_by_test_id("record").click()
    expect(rui.locator(".flash")).to_be_visible()
    assert live.utility.customer("3400000101").power_status == "connected"


def test_two_browsers_race_to_claim_one_task(live: LiveSite) -> None:
    reconnection(live, "3400000102", behaviour="fails")
    live.utility.advance(timedelta(hours=5), step=timedelta(minutes=5))
    first, second = live.signed_in("erin", "executor"), live.signed_in("ed", "executor")
    for page in (first, second):
        page.goto("/tasks?tab=groups")
        expect(page.get_by_role("button", name="Claim")).to_have_count(1)
    first.get_by_role("button", name="Claim").click()
    expect(first.locator(".flash.success")).to_be_visible()
    second.get_by_role("button", name="Claim").click()  # the page still offers it: erin was quicker
    expect(second.locator(".flash.error")).to_contain_text("already claimed by erin")
