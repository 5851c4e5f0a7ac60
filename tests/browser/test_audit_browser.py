"""Issue 5 in Chromium: an auditor finds a finished reconnection whose first two sends failed (M5.2),
opens the case and moves the timeline slider through it — the diagram's marks, the token
positions and the data panel follow the slider; the "who did what" table lists the three sends;
the chain and the replay are shown verified; no request leaves the app."""

from __future__ import annotations

import json
import re

from playwright.sync_api import Locator, Page, expect

from tests.browser.conftest import LiveSite, screenshot
from tests.web.instances_support import history
from tests.web.test_audit_cases import reconnected_after_two_failed_sends

ACTIVE = re.compile(r"\brf-active\b")


def _move_to(page: Page, seq: int) -> None:
    """Drag the slider to the event ``seq`` (the slider's value is the event's index)."""
    page.get_by_test_id("timeline-slider").fill(str(seq - 1))
    expect(page.get_by_test_id("timeline-event")).to_contain_text(f"#{seq} ·")


def _marks(page: Page) -> dict[str, object]:
    return json.loads(page.get_by_test_id("diagram").get_attribute("data-timeline-marks") or "{}")  # type: ignore[no-any-return]


def _element(page: Page, element_id: str) -> Locator:
    return page.get_by_test_id("diagram").locator(f'.djs-element[data-element-id="{element_id}"]').first


def test_an_auditor_moves_the_timeline_through_a_reconnection_with_two_failed_sends(live: LiveSite) -> None:
    instance_id = reconnected_after_two_failed_sends(live)
    kinds = [kind for kind, _actor, _data in history(live, instance_id)]
    results = [seq for seq, kind in enumerate(kinds, start=1) if kind == "message.received"]
    assert len(results) == 3

    page = live.signed_in("audrey", "auditor")
    outside: list[str] = []
    page.on("request", lambda request: outside.append(request.url)
            if not request.url.startswith(live.base_url) else None)
    page.get_by_role("link", name="Audit").click()
    page.fill("input[name=customer]", "3400000101")
    page.get_by_role("button", name="Search").click()
    page.get_by_test_id("case-table").get_by_role("link", name=str(instance_id)).click()
    expect(page.get_by_test_id("diagram")).to_have_attribute("data-timeline", "ready")

    # The verification: the chain intact, and the replay verified — on a ticking clock too (each step
    # runs at its own recorded time, so timers set mid-step carry no unreproducible milliseconds).
    expect(page.get_by_test_id("verify-chain")).to_contain_text("Intact")
    expect(page.get_by_test_id("verify-replay")).to_contain_text("Verified replaying the case reproduced its")
    # Who did what: the three sends, by the patrol and then the scheduler after each wait.
    sends = page.locator('[data-testid=who-did-what] tr[data-type="service.called"]', has_text="send_command")
    expect(sends).to_have_count(3)
    expect(sends.nth(0)).to_contain_text("Patrol (system)")  # actors as people read them, not system:patrol
    expect(sends.nth(1)).to_contain_text("Timer (system)")

    # At the end: no token, the third result in the data.
    positions, data = page.get_by_test_id("token-positions"), page.get_by_test_id("case-data")
    expect(positions.locator("li")).to_have_count(0)
    expect(data).to_contain_text('"stage": "executed"')

    # Just before the first result: waiting for it, with its timeout armed; a command queued.
    _move_to(page, results[0] - 1)
    expect(positions.locator("li")).to_have_count(2)
    assert {"await_result", "result_timeout"} == set(positions.locator("li").evaluate_all(
        "items => items.map(item => item.dataset.element)"))
    assert _marks(page)["active"] == ["attempts", "await_result", "result_timeout"]
    expect(_element(page, "attempts")).to_have_class(ACTIVE)
    expect(data).to_contain_text('"status": "queued"')
    expect(data).not_to_contain_text('"stage"')
    screenshot(page, "audit-case")

    # The first result: the send failed; the token moves on to the two-hour wait.
    _move_to(page, results[0])
    expect(data).to_contain_text('"stage": "failed"')
    _move_to(page, results[0] + 8)
    assert _marks(page)["active"] == ["attempts", "retry_wait"]
    page.locator(".bjs-drilldown").first.click()  # into the subprocess's own plane
    expect(_element(page, "retry_wait")).to_have_class(ACTIVE)
    expect(_element(page, "await_result")).not_to_have_class(ACTIVE)
    _move_to(page, results[0] - 1)
    expect(_element(page, "await_result")).to_have_class(ACTIVE)
    _move_to(page, results[0] + 8)
    expect(page.locator('[data-testid=who-did-what] tr.current')).to_have_attribute("data-seq", str(results[0] + 8))

    # One step forward with the button: the timer fires on the wait.
    page.get_by_test_id("timeline-forward").click()
    expect(page.get_by_test_id("timeline-event")).to_contain_text("Timer fired")
    assert _marks(page)["current"] == "retry_wait"

    # The second result failed too; the third one closed the relay.
    _move_to(page, results[1])
    expect(data).to_contain_text('"stage": "failed"')
    _move_to(page, results[2])
    expect(data).to_contain_text('"stage": "executed"')
    expect(data).to_contain_text('"relay": "closed"')
    assert outside == [], outside
