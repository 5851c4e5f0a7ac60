"""Issue 16 item 7 in Chromium: a sysadmin adds a disconnection reason code (a malformed one is
refused at its field, nothing saved) and retires another; the applicant's form offers the codes
in use with 01 chosen by default, the chosen code reaches the approver's form."""

from __future__ import annotations

from playwright.sync_api import expect
from sqlalchemy import select

from storage.models import HistoryEvent
from storage.reason_codes import ReasonCode
from tests.browser.batch_support import open_task_id
from tests.browser.conftest import LiveSite, screenshot
from tests.web.task_forms_support import owing


def test_a_sysadmin_keeps_the_codes_and_the_application_form_offers_those_in_use(live: LiveSite) -> None:
    owing(live, "3400000011")
    sam = live.signed_in("sam", "sysadmin")
    sam.goto("/reason-codes")
    table = sam.get_by_test_id("codes-table-disconnection")
    expect(table.locator("tr[data-code='01'] input[name=label_en]")).to_have_value("Dunning level reached (arrears)")
    add = sam.get_by_test_id("add-code-form")
    add.locator("select[name=kind]").select_option("disconnection")
    add.locator("input[name=code]").fill("five!")
    add.locator("input[name=label_en]").fill("Meter tampering")
    add.locator("input[name=label_zh]").fill("窃电")
    add.get_by_role("button", name="Add").click()
    expect(sam.get_by_test_id("code-field-error")).to_contain_text("1 to 8 capital letters or digits")
    sam.get_by_test_id("add-code-form").locator("input[name=code]").fill("05")
    sam.get_by_test_id("add-code-form").get_by_role("button", name="Add").click()
    expect(table.locator("tr[data-code='05'] input[name=label_zh]")).to_have_value("窃电")
    sam.once("dialog", lambda dialog: dialog.accept())
    sam.get_by_test_id("retire-disconnection-02").click()
    expect(sam.get_by_test_id("status-disconnection-02")).to_contain_text("Retired")
    screenshot(sam, "reason-codes")

    rui = live.signed_in("reader-rui", "applicant")
    rui.goto("/disconnections/new")
    rui.get_by_test_id("start-form").get_by_role("button").click()
    codes = rui.get_by_test_id("task-form").locator("select[name=reason_code]")
    expect(codes).to_have_value("01")  # the first code in use: dunning level reached
    expect(codes.locator("option")).to_have_text(["01 · Dunning level reached (arrears)", "03 · Customer request",
                                                  "04 · Technical", "05 · Meter tampering"])
    codes.select_option("05")
    rui.fill("textarea[name=customer_numbers]", "3400000011")
    rui.fill("input[name=reason]", "seal broken on the meter box")
    rui.fill("input[name=planned_date]", "2026-03-02")
    rui.get_by_test_id("send").click()
    expect(rui.get_by_test_id("task-form")).to_have_count(0)

    bo = live.signed_in("bo", "approver", lang="zh")
    bo.goto(f"/tasks/{open_task_id(live, 'approve')}")
    expect(bo.get_by_test_id("application-facts").get_by_test_id("reason-code")).to_have_text("05 · 窃电")
    screenshot(bo, "approval-reason-code-zh")

    with live.services.db.reading() as session:
        added = session.get(ReasonCode, ("disconnection", "05"))
        assert added is not None and (added.label_en, added.changed_by) == ("Meter tampering", "sam")
        kinds = session.scalars(select(HistoryEvent.type).where(HistoryEvent.stream == "reason_codes")
                                .order_by(HistoryEvent.id)).all()
    assert kinds == ["reason_code.added", "reason_code.retired"]  # the refused one left nothing
