"""What the tablet tests check on a page: it never scrolls sideways, and an action is within
reach — inside the window's width, not covered by anything, and at least 40 × 40 px."""

from __future__ import annotations

from playwright.sync_api import Locator, Page, expect

TABLET = 768  # px: a tablet held upright
TOUCH = 40  # px: the smallest touch target, both ways

# True when the element's centre, as the browser hit-tests it, is the element itself (or inside it).
_ON_TOP = """element => {
  const box = element.getBoundingClientRect();
  const hit = document.elementFromPoint(box.left + box.width / 2, box.top + box.height / 2);
  return hit !== null && (hit === element || element.contains(hit));
}"""


def fits(page: Page, width: int) -> None:
    """The page is no wider than the window: nothing scrolls it sideways."""
    scrolled = page.evaluate("document.documentElement.scrollWidth")
    assert scrolled <= width, f"{page.url} is {scrolled} px wide in a {width} px window"


def within_reach(action: Locator, width: int = TABLET) -> None:
    """``action`` is shown whole inside the window's width, nothing lies over it, and a finger hits it."""
    expect(action).to_be_visible()
    action.scroll_into_view_if_needed()
    box = action.bounding_box()
    assert box is not None, f"{action} has no box"
    name = action.inner_text() or action.get_attribute("aria-label") or str(action)
    assert box["x"] >= 0 and box["x"] + box["width"] <= width, f"{name!r} is cut off at {box} in {width} px"
    assert box["width"] >= TOUCH and box["height"] >= TOUCH, f"{name!r} is {box['width']}×{box['height']} px"
    assert action.evaluate(_ON_TOP), f"{name!r} is covered by another element"
