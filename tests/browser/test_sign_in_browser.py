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
