"""Sign-in and refusals as an operator sees them in Chromium."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.browser.conftest import PASSWORD, LiveSite, screenshot


def test_wrong_password_then_sign_in_and_sign_out(live: LiveSite) -> None:
    live.add_user("ann", "approver")
    page = live.tab()
    page.goto("/login?lang=en")
    page.fill("input[name=username]", "ann")
    page.fill("input[name=password]", "not-her-password")
    page.click("button[type=submit]")
    expect(page.locator(".flash.error")).to_contain_text("Unknown username or wrong password")
    screenshot(page, "sign-in")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    expect(page.locator(".who")).to_have_text("ann")
    expect(page.get_by_test_id("simulated-banner")).to_contain_text("simulated head-end")
    page.get_by_role("button", name="Sign out").click()
    expect(page.locator("input[name=username]")).to_be_visible()


def test_a_user_without_the_role_gets_a_403_page(live: LiveSite) -> None:
    page = live.signed_in("rita", "auditor")
    response = page.goto("/segments")
    assert response is not None and response.status == 403
    expect(page.get_by_test_id("error-page")).to_contain_text("403")
    expect(page.get_by_test_id("error-page")).to_contain_text("Auditor")


def test_the_pages_speak_chinese_by_default(live: LiveSite) -> None:
    page = live.tab()
    page.goto("/login")
    expect(page.locator("h1")).to_have_text("登录")
    page.get_by_test_id("lang-switch").click()
    expect(page.locator("h1")).to_have_text("Sign in")


def test_the_first_tab_skips_the_menu_and_the_tab_shows_the_icon(live: LiveSite) -> None:
    """Issue 13 item 9: the inbox's first action was 23 Tab presses away; now the first Tab offers
    "跳到正文", which puts the keyboard in the page's content. The tab shows relayflow's icon."""
    page = live.signed_in("ann", "approver", lang="zh")
    page.goto("/tasks")
    page.keyboard.press("Tab")
    skip = page.get_by_test_id("skip-link")
    expect(skip).to_be_focused()
    expect(skip).to_have_text("跳到正文")
    assert skip.bounding_box()["y"] >= 0  # shown while focused (it hides above the page otherwise)
    page.keyboard.press("Enter")
    expect(page.locator("main#main")).to_be_focused()
    icon = page.locator("link[rel=icon]").get_attribute("href")
    assert icon is not None and page.request.get(icon).headers["content-type"].startswith("image/svg+xml")
