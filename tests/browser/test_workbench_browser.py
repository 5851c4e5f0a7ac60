"""The process library and a proposal's approval in Chromium, on a tablet (768 px, in Chinese) and a
desktop (1280 px, in English): the page never scrolls sideways, the approval deploys, the library
shows the new version and who approved it, and the version's diagram is drawn by bpmn-js."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import LiveSite, screenshot
from tests.browser.tablet_support import fits
from tests.web.workbench_support import open_reconnect_draft, retry_wait, save

TEXTS = {"en": {"library": "Process library", "approved": "Approved and deployed"},
         "zh": {"library": "流程库", "approved": "已审批并部署"}}


@pytest.mark.parametrize(("width", "lang"), [(768, "zh"), (1280, "en")])
def test_a_sysadmin_approves_a_proposal_from_the_library(live: LiveSite, width: int, lang: str) -> None:
    analyst = live.person("ana", "analyst")
    draft_id = open_reconnect_draft(analyst)
    assert save(analyst, draft_id, retry_wait("45"), 1).json["revision"]["problems"] == []
    proposal_id = analyst.post_json(f"/api/drafts/{draft_id}/proposals", {"comment": "retry after 45 min"}
                                    ).json["proposal_id"]
    page = live.signed_in("sam", "sysadmin", lang=lang, width=width)
    page.goto("/processes")
    expect(page.locator("h1")).to_have_text(TEXTS[lang]["library"])
    expect(page.get_by_test_id("versions-reconnect")).to_contain_text("v1")
    expect(page.get_by_test_id("without-approval").first).to_be_visible()
    fits(page, width)
    screenshot(page, f"process-library-{width}")

    page.get_by_test_id("proposals-reconnect").get_by_role("link", name=str(proposal_id)).click()
    expect(page.get_by_test_id("proposal-comment")).to_have_text("retry after 45 min")
    expect(page.get_by_test_id("no-problems")).to_be_visible()
    fits(page, width)
    page.get_by_test_id("approve-form").locator("textarea").fill("checked the wait")
    page.get_by_test_id("approve").click()
    expect(page.get_by_test_id("proposal-status")).to_have_text(TEXTS[lang]["approved"])
    expect(page.get_by_test_id("proposal-opinion")).to_have_text("checked the wait")
    fits(page, width)
    screenshot(page, f"proposal-approved-{width}")

    page.goto("/processes/reconnect")
    newest = page.get_by_test_id("versions-reconnect").locator("tr[data-version='2']")
    expect(newest).to_contain_text("sam")
    expect(newest).to_contain_text("retry after 45 min")
    fits(page, width)
    newest.get_by_role("link", name="v2").click()
    expect(page.get_by_test_id("diagram").locator(".djs-container")).to_be_visible()
    expect(page.get_by_test_id("diagram")).to_have_attribute("data-state", "ready")
    fits(page, width)
