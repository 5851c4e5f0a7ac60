"""Issue 16 items 1 and 5 in Chromium: a sysadmin sets a global stop (every page shows it, for
everyone), lifts it with a reason, sets a segment's heat moratorium (a bad date range is refused at
its field, nothing saved), and fills the working-day calendar from the kept holiday calendar."""

from __future__ import annotations

from playwright.sync_api import expect
from sqlalchemy import func, select

from storage.cut_holds import CalendarDay, Moratorium, TripStop
from storage.models import HistoryEvent
from tests.browser.conftest import LiveSite, screenshot


def test_a_sysadmin_stops_all_trips_sets_a_moratorium_and_fills_the_calendar(live: LiveSite) -> None:
    page = live.signed_in("sam", "sysadmin")
    page.goto("/cut-holds")
    expect(page.get_by_test_id("coverage-warning")).to_be_visible()  # the test database's calendar is empty
    page.get_by_role("button", name="Fill from the kept holiday calendar").click()
    expect(page.get_by_test_id("calendar-days")).to_contain_text("Working day")
    expect(page.get_by_test_id("calendar-days")).to_contain_text("Weekend")

    page.get_by_test_id("set-stop-form").locator("input[name=reason]").fill("wrong billing run 3 March")
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Stop all trips now").click()
    expect(page.get_by_test_id("stop-banner")).to_contain_text("wrong billing run 3 March")
    screenshot(page, "cut-holds")

    executor = live.signed_in("erin", "executor")  # everyone sees it, on every page
    executor.goto("/inbox")
    expect(executor.get_by_test_id("stop-banner")).to_contain_text("no trip is sent")

    page.get_by_test_id("lift-stop-form").locator("input[name=lift_reason]").fill("billing corrected")
    page.get_by_role("button", name="Lift the global stop").click()
    expect(page.get_by_test_id("stop-banner")).to_have_count(0)

    form = page.get_by_test_id("moratorium-form")
    form.locator("select[name=segment_code]").select_option("S01")
    form.locator("select[name=kind]").select_option("heat")
    form.locator("input[name=starts_on]").fill("2026-07-10")
    form.locator("input[name=ends_on]").fill("2026-07-01")  # before the first day
    form.locator("input[name=moratorium_reason]").fill("heat alert 38 °C")
    form.get_by_role("button", name="Set the moratorium").click()
    expect(page.get_by_test_id("ends-on-error")).to_be_visible()
    form = page.get_by_test_id("moratorium-form")
    form.locator("input[name=ends_on]").fill("2026-07-12")
    form.get_by_role("button", name="Set the moratorium").click()
    expect(page.get_by_test_id("moratoria-table")).to_contain_text("heat alert 38 °C")

    with live.utility.services.db.reading() as session:
        assert session.scalar(select(func.count()).select_from(CalendarDay)) >= 365
        [stop] = session.scalars(select(TripStop)).all()
        assert (stop.set_by, stop.lifted_by, stop.lift_reason) == ("sam", "sam", "billing corrected")
        [moratorium] = session.scalars(select(Moratorium)).all()  # the refused one left nothing
        assert (moratorium.segment_code, moratorium.kind) == ("S01", "heat")
        kinds = session.scalars(select(HistoryEvent.type).where(HistoryEvent.stream == "cut_holds")
                                .order_by(HistoryEvent.id)).all()
        assert kinds == ["calendar.seeded", "cut.stop_set", "cut.stop_lifted", "cut.moratorium_set"]
