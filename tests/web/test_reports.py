"""The auditor's reports (issue 5 part 5) over cases the real processes produced: payments that
start reconnections, a remote one on the first send, one on the third send (two sends time out),
one whose three sends all fail and goes on site, one unflagged customer reconnected on site after
more than a day, and a disconnection batch — on SQLite and PostgreSQL, through the page, the JSON
and the CSV files. Median and p95 are nearest-rank (the ⌈p·n⌉-th smallest)."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from typing import Any

import pytest

from app.runtime.actors import Actor
from app.usecases.payments import record_payment
from app.web import reports as reports_page
from tests.utility import NOW, seed_customer, seed_segment
from tests.web.conftest import Site
from tests.web.instances_support import EXECUTOR, disconnection_batch, task_of

BEIJING_DAY_1, BEIJING_DAY_2 = "2026-03-02", "2026-03-03"  # NOW is 09:00 on day 1 in Beijing
PERIOD = f"from={BEIJING_DAY_1}&to={BEIJING_DAY_2}"
SETTLER = Actor("billing")


def pay(site: Site, number: str, paid_at: Any) -> dict[str, Any]:
    return record_payment(site.services.runtime, {"payment_id": f"P-{number}", "customer_number": number,
                                                  "amount": "100.00", "paid_at": paid_at.isoformat()})


def reconnection_cases(site: Site) -> dict[str, int]:
    """A (sends 1, paid 2 h before), B (send 3), D (3 failed sends, then on site 20 h after paying),
    C (no flag, segment S02, on site 27 h after paying) and a remote disconnection of E."""
    u = site.utility
    seed_segment(site.services, "S02", reader="reader-sun")
    owing = {"owed_cents": 10_000}
    seed_customer(site.services, "3400000001", **owing)
    seed_customer(site.services, "3400000002", **owing)
    seed_customer(site.services, "3400000003", auto_reconnect=False, segment_code="S02", **owing)
    seed_customer(site.services, "3400000004", **owing)
    disconnection_batch(site, "3400000005")
    for never in ("3400000002", "3400000004"):
        u.headend.set_behaviour(u.customer(never).meter_address, "never")
    started = {number: pay(site, number, NOW - timedelta(hours=hours))["reconnection_instance"]
               for number, hours in (("3400000001", 2), ("3400000002", 0), ("3400000003", 1), ("3400000004", 0))}
    u.advance(timedelta(minutes=30 + 120 + 3))  # first sends time out; second sends at 03:32
    u.advance(timedelta(minutes=30 + 115))  # second sends time out
    u.headend.set_behaviour(u.customer("3400000002").meter_address, "succeeds")
    u.advance(timedelta(minutes=50))  # B's third send succeeds (executed 06:04:30), D's third times out
    u.clock.move_to(NOW + timedelta(hours=27))
    for number, after in (("3400000003", 26), ("3400000004", 20)):
        task = task_of(site, started[number], "on_site")
        site.services.runtime.complete_task(task, {"reconnected_at": (NOW + timedelta(hours=after)).isoformat(),
                                                   "note": "on site"}, EXECUTOR)
    return started


@pytest.fixture
def cases(site: Site) -> Site:
    reconnection_cases(site)
    return site


def test_issue5_reports_count_per_day_and_segment_from_what_the_processes_recorded(cases: Site) -> None:
    body = cases.person("ann", "auditor").get(f"/api/reports?{PERIOD}").json
    assert [(row["day"], row["segment"], row["disconnected_remote"], row["reconnected_remote"],
             row["reconnected_on_site"], row["manual_orders"]) for row in body["daily"]] == [
        (BEIJING_DAY_1, "S01", 1, 2, 0, 1),  # E cut; A (09:00:30) and B (14:04:30) remotely; D's manual order
        (BEIJING_DAY_1, "S02", 0, 0, 0, 1),  # C's manual order (no flag)
        (BEIJING_DAY_2, "S01", 0, 0, 1, 0),  # D on site at 05:00
        (BEIJING_DAY_2, "S02", 0, 0, 1, 0),  # C on site at 11:00
    ]
    assert [row["segment"] for row in body["per_segment"]] == ["S01", "S02"]
    total = body["total"]
    assert (total["disconnected_remote"], total["disconnected_on_site"], total["reconnected_remote"],
            total["reconnected_on_site"], total["manual_orders"]) == (1, 0, 2, 2, 2)


def test_issue5_payment_to_reconnection_median_p95_and_the_cases_over_24_hours(cases: Site) -> None:
    """Hours from payment to power: A 2.008 (2 h + the head-end's 30 s), B 5.075 (third send at
    06:04, executed 30 s later, paid at 01:00), D 20, C 27. Nearest rank over 4: median is the 2nd
    (5.075), p95 the 4th (27); only C is over 24 h."""
    payment = cases.person("ann", "auditor").get(f"/api/reports?{PERIOD}").json["payment_to_reconnection"]
    assert (payment["cases"], payment["median_hours"], payment["p95_hours"]) == (4, 5.075, 27.0)
    assert payment["percentile_method"] == "nearest-rank"
    assert [(c["customer"], c["how"], c["hours"]) for c in payment["over_24h"]] == [("3400000003", "on_site", 27.0)]
    assert payment["without_payment"] == 0


def test_issue5_first_attempt_rate_counts_sends_including_the_failed_ones(cases: Site) -> None:
    """Automatic orders: A on send 1, B on send 3, D all three failed → 1 of 3 on the first attempt."""
    first = cases.person("ann", "auditor").get(f"/api/reports?{PERIOD}").json["first_attempt"]
    assert first["total"] == {"segment": None, "concluded": 3, "by_send": {"1": 1, "3": 1}, "all_failed": 1,
                              "first_attempt_rate": 0.333}


def test_issue5_manual_orders_say_why_they_went_on_site(cases: Site) -> None:
    orders = cases.person("ann", "auditor").get(f"/api/reports?{PERIOD}").json["manual_orders"]
    assert [(o["customer"], o["why"], o["sends"], o["status"], o["restored_at"]) for o in orders] == [
        ("3400000003", "not_flagged", 0, "closed", "2026-03-03T03:00:00+00:00"),
        ("3400000004", "remote_failed", 3, "closed", "2026-03-02T21:00:00+00:00"),
    ]


def test_issue5_filters_by_segment_and_by_beijing_days(cases: Site) -> None:
    auditor = cases.person("ann", "auditor")
    s02 = auditor.get(f"/api/reports?{PERIOD}&segment=S02").json
    assert [(r["day"], r["segment"], r["reconnected_on_site"], r["manual_orders"]) for r in s02["daily"]] == [
        (BEIJING_DAY_1, "S02", 0, 1), (BEIJING_DAY_2, "S02", 1, 0)]
    assert s02["payment_to_reconnection"]["cases"] == 1 and s02["first_attempt"]["total"]["concluded"] == 0
    day_2 = auditor.get(f"/api/reports?from={BEIJING_DAY_2}&to={BEIJING_DAY_2}").json
    assert day_2["total"]["reconnected_on_site"] == 2 and day_2["total"]["reconnected_remote"] == 0
    assert day_2["total"]["disconnected_remote"] == 0 and day_2["manual_orders"] == []
    payment = day_2["payment_to_reconnection"]
    assert (payment["cases"], payment["median_hours"], payment["p95_hours"]) == (2, 20.0, 27.0)


def test_issue5_the_page_shows_the_tables_charts_and_the_footnote(cases: Site) -> None:
    page = cases.person("ann", "auditor").get(f"/reports?{PERIOD}&lang=en")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'data-testid="payment-median">5.08<' in html and 'data-testid="payment-p95">27.00<' in html
    assert 'data-testid="first-attempt-rate">33.3%<' in html
    assert html.count('<rect class="disconnected"') == 2 and html.count('<rect class="reconnected"') == 2  # 2 days
    assert 'data-order="140000000001"' in html  # C's manual order, in the over-24 h table and the manual list
    assert "nearest-rank" in html and "meter commands" in html
    assert "/reports/daily.csv?from=2026-03-02&amp;to=2026-03-03" in html
    chinese = cases.person("cai", "auditor").get(f"/reports?{PERIOD}").get_data(as_text=True)
    assert "缴费到复电时长" in chinese and "最近秩法" in chinese


def test_issue5_each_table_downloads_as_csv_with_a_bom_for_excel(cases: Site) -> None:
    auditor = cases.person("ann", "auditor")
    response = auditor.get(f"/reports/payment_to_reconnection.csv?{PERIOD}")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"] == \
        'attachment; filename="payment_to_reconnection_2026-03-02_2026-03-03.csv"'
    assert response.data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert rows[0] == ["工单号", "户号", "户名", "抄表段", "缴费时间", "恢复供电时间", "方式", "小时", "超过 24 小时"]
    assert [(r[1], r[4], r[5], r[6], r[7], r[8]) for r in rows[1:]] == [
        ("3400000003", "2026-03-02 08:00:00", "2026-03-03 11:00:00", "现场", "27.00", "是"),
        ("3400000004", "2026-03-02 09:00:00", "2026-03-03 05:00:00", "现场", "20.00", "否"),
        ("3400000002", "2026-03-02 09:00:00", "2026-03-02 14:04:30", "远程", "5.08", "否"),
        ("3400000001", "2026-03-02 07:00:00", "2026-03-02 09:00:30", "远程", "2.01", "否"),
    ]
    daily = auditor.get(f"/reports/daily.csv?{PERIOD}&lang=en").data.decode("utf-8-sig").splitlines()
    assert daily == ["Day,Segment,Disconnected remotely,Disconnected on site,Reconnected remotely,"
                     "Reconnected on site,Manual orders opened",
                     "2026-03-02,S01,1,0,2,0,1", "2026-03-02,S02,0,0,0,0,1",
                     "2026-03-03,S01,0,0,0,1,0", "2026-03-03,S02,0,0,0,1,0"]
    first = auditor.get(f"/reports/first_attempt.csv?{PERIOD}&lang=en").data.decode("utf-8-sig").splitlines()
    assert first[0].startswith("Segment,Automatic orders concluded,Succeeded on send 1,Succeeded on send 2,")
    assert first[1:] == ["S01,3,1,0,1,1,0.333", "All segments,3,1,0,1,1,0.333"]
    manual = auditor.get(f"/reports/manual_orders.csv?{PERIOD}&lang=en").data.decode("utf-8-sig").splitlines()
    assert [line.split(",")[5:8] for line in manual[1:]] == [["No auto-reconnect flag", "0", "Closed"],
                                                              ["Remote sends failed", "3", "Closed"]]


def test_issue14_item8_the_page_lists_the_first_manual_orders_and_the_csv_all(
        cases: Site, monkeypatch: pytest.MonkeyPatch) -> None:
    """A whole period opens ~30,000 manual orders: the page lists the first few (as it lists the
    longest cases over 24 h) and says how many there are; the CSV and the JSON have them all."""
    monkeypatch.setattr(reports_page, "SHOWN_ROWS", 1)
    auditor = cases.person("ann", "auditor")
    html = auditor.get(f"/reports?{PERIOD}&lang=en").get_data(as_text=True)
    manual = html[html.index('data-testid="report-manual"'):html.index('data-testid="report-footnote"')]
    assert manual.count("<tr data-order=") == 1 and 'data-order="140000000001"' in manual  # C's opened first
    assert "The first 1 of 2 opened in the period; the CSV has all." in manual
    assert "/reports/manual_orders.csv?from=2026-03-02&amp;to=2026-03-03" in manual
    listed = auditor.get(f"/reports/manual_orders.csv?{PERIOD}&lang=en").data.decode("utf-8-sig").splitlines()
    assert [line.split(",")[1] for line in listed[1:]] == ["3400000003", "3400000004"]
    assert len(auditor.get(f"/api/reports?{PERIOD}").json["manual_orders"]) == 2
    chinese = auditor.get(f"/reports?{PERIOD}&lang=zh").get_data(as_text=True)
    assert "仅显示本期最先开立的 1 个（共 2 个）" in chinese
