"""Issue 12 items 4 and 7 in Chromium: the compare page draws both versions of reconnect with
bpmn-js and marks exactly the analyst's two changes (the loop's maximum, the retry wait); the move
page's dry run says which running case can move and which cannot, and why, and moves the selected."""

from __future__ import annotations

import json
from datetime import timedelta

from playwright.sync_api import expect

from app.usecases.reconnections import run_patrol
from tests.browser.conftest import LiveSite, screenshot
from tests.utility import DEPLOYER, seed_customer
from tests.workflow.test_move import edited_reconnect, instance_of


def test_the_compare_page_marks_the_two_changes_on_both_diagrams(live: LiveSite) -> None:
    live.services.deploy_files({"reconnect.bpmn": edited_reconnect()}, DEPLOYER)
    page = live.signed_in("rui", "applicant")
    page.goto("/processes/reconnect/compare")
    page.fill("input[name=a]", "v1")
    page.fill("input[name=b]", "v2")
    page.get_by_role("button", name="Compare").click()
    for side in ("a", "b"):
        diagram = page.get_by_test_id(f"diagram-{side}")
        expect(diagram).to_have_attribute("data-state", "ready")
        assert json.loads(diagram.get_attribute("data-marked") or "{}") == {"attempts": "changed",
                                                                           "retry_wait": "changed"}
        expect(diagram.locator(".djs-element.rf-changed").first).to_be_visible()
    rows = page.get_by_test_id("changes").locator("tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.nth(0)).to_contain_text("Loop maximum")
    expect(rows.nth(1)).to_contain_text("PT45M")
    screenshot(page, "compare")


def test_the_move_dry_run_page_lists_who_can_move_and_moves_them(live: LiveSite) -> None:
    for number, behaviour in (("3400000001", "never"), ("3400000002", "fails")):
        seed_customer(live.services, number)
        live.utility.headend.set_behaviour(live.utility.customer(number).meter_address, behaviour)
    run_patrol(live.services.runtime)
    live.utility.advance(timedelta(minutes=5))
    live.services.deploy_files({"reconnect.bpmn": edited_reconnect()}, DEPLOYER)
    waiting, retrying = instance_of(live.utility, "3400000001"), instance_of(live.utility, "3400000002")
    page = live.signed_in("sam", "sysadmin")
    page.goto("/processes/reconnect/moves")
    page.select_option("select[name=from]", "1")
    page.select_option("select[name=to]", "2")
    page.get_by_test_id("dry-run").click()
    table = page.get_by_test_id("candidates")
    expect(table.locator(f"tr[data-instance='{waiting}'] [data-testid=verdict]")).to_have_text("can move")
    expect(table.locator(f"tr[data-instance='{retrying}'] [data-testid=verdict]")).to_contain_text(
        "retry_wait, which the new version changes")
    screenshot(page, "move-dry-run")
    page.fill("textarea[name=reason]", "M5.2 change: 4 sends, 45 minutes apart")
    page.get_by_test_id("move").click()
    expect(page.locator(".flash.success")).to_contain_text("1 instance moved to version 2")
    expect(table.locator(f"tr[data-instance='{waiting}']")).to_have_count(0)
