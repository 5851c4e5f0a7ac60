"""Issue 16 must-show, in Chromium: an analyst changes the cut window's end in the DMN table in the
workbench (dmn-js, the decision table view), saves and proposes; the compare page shows the one
changed cell; a second person approves (four eyes) and new cases follow the new table."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect
from sqlalchemy import select

from storage.models import Instance
from tests.browser.conftest import LiveSite, screenshot
from tests.browser.test_modeler_browser import new_draft
from tests.conftest import SYSADMIN, TEST_BPMN
from tests.utility import DEPLOYER

DIAGRAM = (TEST_BPMN / "decide.bpmn").read_text(encoding="utf-8")
TABLE = (TEST_BPMN / "cut_window.dmn").read_text(encoding="utf-8")


def cut_allowed(live: LiveSite, hour: int) -> object:
    services = live.services
    instance_id = services.runtime.start("decide", {"customer_class": "household", "day_type": "working_day",
                                                    "hour": hour}, SYSADMIN)
    with services.db.reading() as session:
        return session.execute(select(Instance.result).where(Instance.id == instance_id)).scalar_one()


def edit_cell(page: Page, cell_id: str, text: str) -> None:
    """Replace a cell's FEEL as typed into dmn-js's editor (inserted whole: its editor closes brackets)."""
    cell = page.get_by_test_id("decision-table").locator(f"td[data-element-id={cell_id}]")
    cell.locator("[contenteditable]").first.click()
    page.keyboard.press("Control+A")
    page.keyboard.insert_text(text)
    page.locator("h1").click()  # leave the cell: dmn-js keeps what was typed
    expect(cell).to_contain_text(text)


def test_an_analyst_moves_the_window_end_in_the_table_and_new_cases_follow_it(live: LiveSite) -> None:
    live.services.deploy_files({"decide.bpmn": DIAGRAM.encode(), "cut_window.dmn": TABLE.encode()}, DEPLOYER)
    assert cut_allowed(live, 16) == {"allowed": False, "reason": "outside the window"}
    page = live.signed_in("ana", "analyst")
    draft_id = new_draft(page, "decide")
    page.goto(f"/processes/decide/drafts/{draft_id}?lang=en")
    expect(page.get_by_test_id("revision")).to_contain_text("Revision 1")  # the draft is read
    page.get_by_test_id("file").select_option("cut_window.dmn")
    table = page.get_by_test_id("decision-table")
    expect(table.locator("td[data-element-id=r2c]")).to_have_text("[8..15[")
    expect(page.get_by_test_id("canvas")).to_be_hidden()
    edit_cell(page, "r2c", "[8..17[")
    expect(page.get_by_test_id("unsaved")).to_be_visible()
    page.get_by_test_id("save").click()
    expect(page.get_by_test_id("modeler-message")).to_contain_text("Saved as revision 2")
    saved = page.request.get(f"/api/drafts/{draft_id}").json()
    assert "[8..17[" in saved["files"]["cut_window.dmn"] and "[8..15[" not in saved["files"]["cut_window.dmn"]
    assert saved["revision"]["problems"] == []
    screenshot(page, "decision-table-draft")
    page.get_by_test_id("propose-form").locator("input[name=comment]").fill("cut until 17:00")
    page.get_by_test_id("propose").click()
    expect(page.get_by_test_id("modeler-message")).to_contain_text(re.compile("[Pp]roposed"))

    sam = live.signed_in("sam", "sysadmin")
    sam.goto("/processes")
    sam.get_by_test_id("proposals-decide").get_by_role("link").first.click()
    expect(sam.get_by_test_id("proposal-comment")).to_have_text("cut until 17:00")
    sam.get_by_test_id("compare-link").click()
    changed = sam.get_by_test_id("rule-changes").locator("tr[data-rule=r2]")
    expect(changed).to_contain_text("Hour (Beijing)")
    expect(changed).to_contain_text("[8..15[")
    expect(changed).to_contain_text("[8..17[")
    sam.get_by_test_id("table-changes").scroll_into_view_if_needed()
    screenshot(sam, "decision-table-compare")
    sam.go_back()
    reader = live.signed_in("rita", "applicant")  # anyone signed in reads the proposed table, read-only
    reader.goto(f"/processes/decide/drafts/{draft_id}?lang=en")
    expect(reader.get_by_test_id("read-only")).to_be_visible()
    reader.get_by_test_id("file").select_option("cut_window.dmn")
    expect(reader.get_by_test_id("decision-table").locator("td[data-element-id=r2c]")).to_have_text("[8..17[")
    expect(reader.get_by_test_id("decision-table").locator("[contenteditable=true]")).to_have_count(0)
    sam.get_by_test_id("approve-form").locator("textarea").fill("agreed with operations")
    sam.get_by_test_id("approve").click()
    expect(sam.get_by_test_id("proposal-status")).to_have_text("Approved and deployed")
    assert cut_allowed(live, 16) == {"allowed": True, "reason": "inside the window"}
    assert cut_allowed(live, 17) == {"allowed": False, "reason": "outside the window"}
