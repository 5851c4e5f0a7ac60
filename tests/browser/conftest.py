"""Browser tests: the real app served on a free port by a thread of this process, driven by
Playwright in Debian's Chromium (``/usr/bin/chromium``; Playwright's own browser download does
not work here). The test drives the worker itself (``site.utility.run()``) between clicks, so
what the page shows next is deterministic.

Time runs (``tick=True``) from the fixed NOW: the processes' Beijing-date rules see a known day,
and the browser, a separate process, is unaffected."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
import time_machine
from playwright.sync_api import Browser, BrowserContext, Page, Playwright, sync_playwright
from werkzeug.serving import BaseWSGIServer, make_server

from tests.utility import NOW, Utility, build_utility_app, seed_segment
from tests.web.conftest import PASSWORD, Site

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                  "--disable-sync", "--no-first-run"]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


@pytest.fixture(scope="session")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="session")
def browser(playwright: Playwright) -> Iterator[Browser]:
    assert Path(CHROMIUM).exists(), f"{CHROMIUM} is missing: install Debian's chromium package (.ci/run does)"
    launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS, headless=True)
    yield launched
    launched.close()


class LiveSite(Site):
    """A ``Site`` served over HTTP at ``base_url``; ``page_for(username, roles)`` is a signed-in tab."""

    def __init__(self, utility: Utility, base_url: str, browser: Browser) -> None:
        super().__init__(utility)
        self.base_url, self.browser = base_url, browser
        self.contexts: list[BrowserContext] = []

    def tab(self, *, width: int = 1280, height: int = 860) -> Page:
        context = self.browser.new_context(base_url=self.base_url, viewport={"width": width, "height": height},
                                           locale="zh-CN")
        context.set_default_timeout(10_000)
        self.contexts.append(context)
        return context.new_page()

    def signed_in(self, username: str, *roles: str, lang: str = "en", width: int = 1280) -> Page:
        """A new browser (own cookies) with ``username`` signed in through the login form."""
        self.add_user(username, *roles)
        page = self.tab(width=width)
        page.goto(f"/login?lang={lang}")
        page.fill("input[name=username]", username)
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(lambda url: "/login" not in url)
        return page

    def close(self) -> None:
        for context in self.contexts:
            context.close()


@pytest.fixture
def live(sqlite_url: str, tmp_path: Path, browser: Browser) -> Iterator[LiveSite]:
    with time_machine.travel(NOW, tick=True) as traveller:
        app = build_utility_app(sqlite_url, tmp_path)
        services = app.extensions["relayflow"]
        seed_segment(services)
        server: BaseWSGIServer = make_server("127.0.0.1", 0, app, threaded=True)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        site = LiveSite(Utility(app, services, traveller, tmp_path / "sms.jsonl"),
                        f"http://127.0.0.1:{server.server_port}", browser)
        try:
            yield site
        finally:
            site.close()
            server.shutdown()
            thread.join(timeout=5)
            services.db.dispose()


def screenshot(page: Page, name: str) -> None:
    """Keep a picture of a main page for the README (docs/screenshots/NAME.png) when asked to
    (``make screenshots``), so that a test run leaves the repository's files alone."""
    if not os.environ.get("RELAYFLOW_SCREENSHOTS"):
        return
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=False)
