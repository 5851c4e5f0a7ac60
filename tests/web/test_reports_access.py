"""Who may read the reports (issue 5: auditors, and system administrators) and what a bad filter
gets: a 400 that says what is wrong, never a 500."""

from __future__ import annotations

import pytest

from tests.web.conftest import Site


@pytest.mark.parametrize("role", ["applicant", "approver", "executor", "analyst"])
def test_issue5_only_auditors_and_sysadmins_see_the_reports(site: Site, role: str) -> None:
    person = site.person("pat", role)
    assert person.get("/reports").status_code == 403
    assert person.get("/reports/daily.csv").status_code == 403
    assert person.get("/api/reports").status_code == 403


@pytest.mark.parametrize("role", ["auditor", "sysadmin"])
def test_issue5_auditors_and_sysadmins_open_every_report(site: Site, role: str) -> None:
    person = site.person("sam", role)
    page = person.get("/reports")
    assert page.status_code == 200 and 'href="/reports"' in page.get_data(as_text=True)  # in the menu
    for name in ("daily", "payment_to_reconnection", "first_attempt", "manual_orders"):
        assert person.get(f"/reports/{name}.csv").data.startswith(b"\xef\xbb\xbf"), name
    body = person.get("/api/reports").json
    assert (body["period"]["from"], body["period"]["to"]) == ("2026-02-01", "2026-03-02")  # 30 days to today


@pytest.mark.parametrize(("query", "message"), [
    ("from=2026-02-30", "from must be a date written YYYY-MM-DD"),
    ("to=yesterday", "to must be a date written YYYY-MM-DD"),
    ("from=2026-03-02&to=2026-03-01", "from (2026-03-02) is after to (2026-03-01)"),
    ("from=2024-01-01&to=2026-03-01", "a report covers at most 366 days"),
    ("segment=S99", "no meter-reading segment 'S99'"),
])
def test_issue5_a_bad_filter_is_a_400_naming_it(site: Site, query: str, message: str) -> None:
    auditor = site.person("ann", "auditor")
    assert message in auditor.get(f"/api/reports?{query}").json["error"]
    page = auditor.get(f"/reports?{query}&lang=en")
    assert page.status_code == 400 and message in page.get_data(as_text=True).replace("&#39;", "'")
    assert auditor.get(f"/reports/daily.csv?{query}").status_code == 400


def test_issue5_an_unknown_report_file_is_a_404(site: Site) -> None:
    response = site.person("ann", "auditor").get("/reports/everything.csv?lang=en")
    assert response.status_code == 404 and "No report named everything" in response.get_data(as_text=True)
