"""Issue 13 item 4 in Chromium: the auditor's case page draws its diagram readably at 1280 and
768 px — fitted to the box's width but never below the zoom at which every label is at least
11 px, the box (not the page) holding what is wider; the zoom buttons change bpmn-js's zoom and
"fit" brings the first view back; on a Chinese page the diagram's names are the catalog's Chinese
(the server's label layer, ``?labels=translated``)."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import LiveSite, screenshot
from tests.web.test_audit_cases import reconnected_after_two_failed_sends

READABLE_PX = 11
ZOOM = "document.getElementById('diagram').diagramViewer.get('canvas').zoom()"
# The smallest label on screen: each visible label's font size (CSS px in the diagram) × the zoom,
# and the rendered height of a single line of it (getBoundingClientRect), whichever is smaller.
SMALLEST_LABEL = """() => {
  const box = document.getElementById('diagram');
  const zoom = box.diagramViewer.get('canvas').zoom();
  const area = box.getBoundingClientRect();
  let smallest = Infinity, seen = 0;
  box.querySelectorAll('.djs-visual text').forEach((text) => {
    const spans = text.querySelectorAll('tspan');
    const rect = (spans[0] || text).getBoundingClientRect();
    if (!text.textContent.trim() || rect.right < area.left || rect.left > area.right) return;
    seen += 1;
    const size = parseFloat(getComputedStyle(text).fontSize) * zoom;
    smallest = Math.min(smallest, size, rect.height);
  });
  return {smallest, seen};
}"""


def _open_case(live: LiveSite, *, lang: str, width: int) -> Page:
    instance_id = reconnected_after_two_failed_sends(live)
    page = live.signed_in("audrey", "auditor", lang=lang, width=width)
    page.goto(f"/audit/cases/{instance_id}")
    expect(page.get_by_test_id("diagram")).to_have_attribute("data-state", "ready")
    return page


@pytest.mark.parametrize("width", [1280, 768])
def test_the_case_diagram_is_readable_zooms_with_its_buttons_and_the_page_does_not_scroll_sideways(
        live: LiveSite, width: int) -> None:
    page = _open_case(live, lang="en", width=width)
    fitted = page.evaluate(ZOOM)
    assert fitted >= 1  # bpmn-js draws labels at 11–12 px at zoom 1
    labels = page.evaluate(SMALLEST_LABEL)
    assert labels["seen"] > 5
    assert labels["smallest"] >= READABLE_PX - 0.5, labels  # a line's box rounds a hair below its font size

    buttons = [page.get_by_test_id(name) for name in ("zoom-in", "zoom-out", "zoom-fit")]
    for button in buttons:
        expect(button).to_be_visible()
        found = button.bounding_box()
        assert found is not None and found["width"] >= 40 and found["height"] >= 40
    page.get_by_test_id("zoom-in").click()
    bigger = page.evaluate(ZOOM)
    assert bigger > fitted
    page.get_by_test_id("zoom-out").click()
    page.get_by_test_id("zoom-out").click()
    assert page.evaluate(ZOOM) < bigger
    page.get_by_test_id("zoom-fit").click()
    assert page.evaluate(ZOOM) == pytest.approx(fitted)

    # The diagram is wider than the box: the box keeps it; the page does not scroll sideways.
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    diagram = page.get_by_test_id("diagram").bounding_box()
    assert diagram is not None and diagram["x"] >= 0 and diagram["x"] + diagram["width"] <= width


def test_a_chinese_case_page_shows_the_diagrams_names_in_chinese(live: LiveSite) -> None:
    page = _open_case(live, lang="zh", width=1280)
    diagram = page.get_by_test_id("diagram")
    expect(diagram.locator('.djs-element[data-element-id="prepare"] text')).to_have_text("读取用户档案")
    expect(diagram.locator('.djs-element[data-element-id="end_remote_label"] text')).to_have_text("远程复电成功")
    expect(page.get_by_test_id("zoom-in")).to_have_attribute("title", "放大")
    expect(page.get_by_test_id("zoom-fit")).to_have_attribute("aria-label", "适应宽度")
    diagram.scroll_into_view_if_needed()
    screenshot(page, "audit-case-diagram")
