"""A rehearsal in Chromium (issue 12 item 5): an analyst starts one on the draft's rehearsals page;
the run's page shows a progress bar that moves while the worker runs (the page polls the API), then
the summary in words and the per-case table, each case linked to its timeline."""

from __future__ import annotations

import threading

import pytest
from playwright.sync_api import expect

from app.workbench.context import Workbench
from app.workbench.rehearsal import runs
from tests.browser.conftest import LiveSite, screenshot
from tests.rehearsals import four_sends_45_minutes_apart, record_reconnections
from tests.web.workbench_support import open_reconnect_draft, save

BEHAVIOURS = {"3400000001": "fails", "3400000002": "succeeds", "3400000003": "fails", "3400000004": "succeeds"}


def test_the_progress_bar_moves_then_the_summary_and_cases_show(live: LiveSite,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    ids = record_reconnections(live.utility, BEHAVIOURS)
    analyst = live.person("ana", "analyst")
    draft_id = open_reconnect_draft(analyst)
    assert save(analyst, draft_id, four_sends_45_minutes_apart()["reconnect.bpmn"].decode(), 1).status_code == 200

    page = live.signed_in("anna", "analyst", lang="en")
    page.goto(f"/processes/reconnect/drafts/{draft_id}/rehearsals")
    page.get_by_test_id("scope-last").fill("4")
    page.get_by_test_id("rehearse").click()
    expect(page.get_by_test_id("rehearsal-progress")).to_be_visible()
    expect(page.get_by_test_id("rehearsal-count")).to_contain_text("0 / 0")

    halfway, go_on = threading.Event(), threading.Event()

    def progress(done: int, _total: int) -> None:
        if done == 2:  # the page must show this before the worker goes on
            halfway.set()
            go_on.wait(timeout=30)

    monkeypatch.setattr(runs, "PROGRESS_EVERY", 1)
    worker = runs.RehearsalWorker(Workbench.of(live.services.runtime), live.services.runtime.environment, progress)
    thread = threading.Thread(target=worker.run_queued)
    thread.start()
    try:
        assert halfway.wait(timeout=30)
        expect(page.get_by_test_id("rehearsal-count")).to_contain_text("2 / 4")
        expect(page.get_by_test_id("rehearsal-progress")).to_have_attribute("value", "2")
        expect(page.get_by_test_id("rehearsal-status")).to_have_text("Running")
        screenshot(page, "rehearsal-progress")
    finally:
        go_on.set()
        thread.join(timeout=30)

    summary = page.get_by_test_id("rehearsal-summary")
    expect(summary).to_contain_text("2 cases would have sent a 4th command")
    expect(summary).to_contain_text("0 customers would have been cut who were not")
    expect(page.get_by_test_id("rehearsal-progress")).to_have_count(0)
    cases = page.get_by_test_id("rehearsal-cases")
    expect(cases.locator("tr[data-outcome='needs_input']")).to_have_count(2)
    expect(cases.locator("tr[data-outcome='same']")).to_have_count(2)
    expect(cases).to_contain_text("needs the result of a 4th command, which the case never had (it recorded 3)")
    screenshot(page, "rehearsal-summary")
    cases.get_by_role("link", name=f"#{ids[0]}").click()
    page.wait_for_url(f"**/audit/cases/{ids[0]}")
