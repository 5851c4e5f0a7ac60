"""The process view and the customer pages in Chromium: the diagram is drawn by bpmn-js from
node_modules (no CDN) with the path taken and the current position marked."""

from __future__ import annotations

from datetime import timedelta

from playwright.sync_api import expect

from tests.browser.conftest import LiveSite, screenshot
from tests.web.instances_support import reconnection, task_of


def test_an_on_site_reconnection_shows_its_path_and_position_on_the_diagram(live: LiveSite) -> None:
    instance_id = reconnection(live, "3400000101", behaviour="fails")
    live.utility.advance(timedelta(hours=5))  # three sends, two hours apart, all failed: on site
    page = live.signed_in("sam", "sysadmin")
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    page.goto(f"/instances/{instance_id}")
    diagram = page.get_by_test_id("diagram")
    expect(diagram.locator(".djs-container")).to_be_visible()
    expect(diagram.locator(".djs-element.rf-task")).to_have_count(1)  # the open on-site task
    assert diagram.locator(".djs-element.rf-completed").count() >= 5
    expect(diagram.locator(".djs-element.rf-task")).to_have_attribute("data-element-id", "on_site")
    assert all(url.startswith(live.base_url) for url in requests), "every asset is served by the app itself"
    screenshot(page, "instance-detail")


def test_the_customer_page_tells_the_story_of_a_remote_reconnection(live: LiveSite) -> None:
    reconnection(live, "3400000102")
    live.utility.advance(timedelta(minutes=2))
    page = live.signed_in("ed", "executor")
    page.goto("/customers?lang=en")
    page.get_by_role("link", name="3400000102").click()
    expect(page.get_by_test_id("customer-title")).to_contain_text("3400000102")
    expect(page.get_by_test_id("timeline-table")).to_be_visible()
    screenshot(page, "customer-detail")
    page.goto("/instances?lang=en")
    expect(page.get_by_test_id("instance-table")).to_contain_text("reconnect")
    screenshot(page, "instances")


def test_pages_fit_a_tablet(live: LiveSite) -> None:
    """Wide tables scroll inside their frame; the page itself never scrolls sideways at 800 px."""
    instance_id = reconnection(live, "3400000103", behaviour="fails")
    live.utility.advance(timedelta(hours=5), step=timedelta(minutes=5))
    on_site = task_of(live, instance_id, "on_site")
    page = live.signed_in("sam", "sysadmin", "executor", width=800)
    for url in ("/tasks?tab=all", f"/tasks/{on_site}", "/instances", f"/instances/{instance_id}", "/customers",
                "/customers/3400000103", "/screening", "/subscriptions", "/segments"):
        page.goto(url)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 800, f"{url} is {width} px wide on an 800 px tablet"
