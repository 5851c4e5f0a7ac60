"""Issue 16 item 3 in Chromium: a reconnection stuck on failed sends is escalated at 12 h to a
supervisor, who sees the customer, the time since payment, the time left and what was tried, and
acknowledges it with a note in the inbox; at 24 h the clocks page marks it breached (the most
urgent first, a reconnection done in time shown as met), and /reports counts the breach per
segment and per month."""

from __future__ import annotations

from datetime import timedelta

from playwright.sync_api import expect

from app.usecases.payments import record_payment
from app.usecases.reconnections import run_patrol
from tests.browser.conftest import LiveSite, screenshot
from tests.utility import seed_customer

STUCK, FINE = "3400000041", "3400000042"


def test_a_supervisor_acknowledges_a_late_reconnection_and_the_clocks_and_reports_show_the_breach(
        live: LiveSite) -> None:
    seed_customer(live.services, STUCK, owed_cents=10_000)
    seed_customer(live.services, FINE)
    live.utility.headend.set_behaviour(live.utility.customer(STUCK).meter_address, "fails")
    record_payment(live.services.runtime, {"payment_id": "P-41", "customer_number": STUCK, "amount": "100.00",
                                           "paid_at": live.services.clock.now().isoformat()})
    run_patrol(live.services.runtime)
    live.utility.advance(timedelta(hours=12, minutes=10), step=timedelta(minutes=10))

    sam = live.signed_in("sam", "approver")
    sam.goto("/tasks?tab=groups")
    sam.get_by_test_id("inbox-table").get_by_role("link", name="Late reconnection: acknowledge").click()
    instructions = sam.get_by_test_id("instructions")
    expect(instructions).to_contain_text(f"customer {STUCK}")
    expect(instructions).to_contain_text("not finished 12.")  # hours since the payment
    expect(instructions).to_contain_text("h are left of the 24 h allowed")
    expect(instructions).to_contain_text("3 remote sends")
    sam.get_by_test_id("send").click()  # no note: refused at its field
    expect(sam.get_by_test_id("error-supervisor_note")).to_be_visible()
    sam.fill("textarea[name=supervisor_note]", "second crew sent")
    sam.get_by_test_id("send").click()
    expect(sam.get_by_test_id("task-form")).to_have_count(0)

    sam.goto("/restoration-clocks")
    row = sam.get_by_test_id(f"clock-{STUCK}")
    expect(row).to_have_attribute("data-state", "escalated")
    expect(sam.get_by_test_id(f"closed-{FINE}")).to_have_attribute("data-state", "met")

    live.utility.advance(timedelta(hours=12), step=timedelta(minutes=30))
    sam.goto("/restoration-clocks")
    row = sam.get_by_test_id(f"clock-{STUCK}")
    expect(row).to_have_attribute("data-state", "breached")
    expect(row.get_by_test_id("time-left")).to_contain_text("overdue by")
    expect(row.get_by_test_id("state")).to_have_text("Breached")
    screenshot(sam, "restoration-clocks")

    audrey = live.signed_in("audrey", "auditor")
    audrey.goto("/reports?from=2026-03-01&to=2026-03-31")
    per_segment = audrey.get_by_test_id("breaches-per-segment")
    expect(per_segment.locator("tr[data-key=S01] td")).to_have_text(["S01", "2", "1", "1", "50.0%"])
    per_month = audrey.get_by_test_id("breaches-per-month")
    expect(per_month.locator("tr[data-key='2026-03'] td")).to_have_text(["2026-03", "2", "1", "1", "50.0%"])
    expect(audrey.get_by_test_id("csv-breaches")).to_have_attribute("href", "/reports/restoration_breaches.csv"
                                                                          "?from=2026-03-01&to=2026-03-31")
    csv_text = audrey.request.get("/reports/restoration_breaches.csv?from=2026-03-01&to=2026-03-31").text()
    assert csv_text.splitlines()[1:] == ["Segment,S01,2,1,1,0.500", "Month,2026-03,2,1,1,0.500",
                                         "Total,,2,1,1,0.500"]
