"""The screening screen (M1.1) and bulk flag maintenance (M1.2): reasons, counts, filters and
paging; who may change the flag (M1.2.2); all-or-nothing changes recorded in the history."""

from __future__ import annotations

import re

from tests.web.conftest import Site
from tests.web.customers_support import archive_events, flags, rows, seed_archive, snapshot

COUNT = re.compile(rb'data-count="([^"]+)">(\d+)<')


def counts(html: bytes) -> dict[str, int]:
    return {name.decode(): int(value) for name, value in COUNT.findall(html)}


def test_screening_lists_who_qualifies_and_why_the_others_do_not(site: Site) -> None:
    seed_archive(site)
    amy = site.person("amy", "applicant")
    page = amy.get("/screening?lang=en")
    assert page.status_code == 200
    assert counts(page.data) == {"total": 5, "eligible": 2, "ineligible": 3, "flagged": 2,
                                 "flagged_but_ineligible": 1, "M1.1.1": 1, "M1.1.2": 1, "M1.1.3": 1, "M1.1.4": 1}
    html = page.data.decode()
    row = html[html.index('data-customer="3400000004"'):]
    row = row[:row.index("</tr>")]
    assert "Not a low-voltage customer" in row and "Not connected to the collection system (AMI)" in row
    report = amy.get("/api/screening").json
    reasons = {r["number"]: [c["rule"] for c in r["criteria"] if not c["holds"]] for r in report["rows"]}
    assert reasons == {"3400000001": [], "3400000002": [], "3400000003": ["M1.1.3"],
                       "3400000004": ["M1.1.1", "M1.1.2"], "3400000005": ["M1.1.4"]}
    assert "采集系统显示电表不在线" in amy.get("/screening?lang=zh").data.decode()


def test_screening_filters_by_segment_result_and_reason_with_paging(site: Site) -> None:
    seed_archive(site)
    ed = site.person("ed", "executor")
    assert rows(ed.get("/screening?only=eligible").data) == ["3400000001", "3400000002"]
    assert rows(ed.get("/screening?only=flagged_but_ineligible").data) == ["3400000003"]
    assert rows(ed.get("/screening?failing=M1.1.4").data) == ["3400000005"]
    in_s02 = ed.get("/screening?segment=S02&only=ineligible")
    assert rows(in_s02.data) == ["3400000004", "3400000005"]
    assert counts(in_s02.data)["total"] == 2  # the counts describe the chosen segment
    second = ed.get("/api/screening?size=2&page=2").json
    assert ([r["number"] for r in second["rows"]], second["total"], second["pages"]) == (
        ["3400000003", "3400000004"], 5, 3)
    assert ed.get("/api/screening?failing=M9").status_code == 400
    assert ed.get("/api/screening?only=everyone").status_code == 400
    assert ed.get("/api/screening?segment=S99").status_code == 404


def test_an_executor_clears_many_flags_at_once_with_a_reason_recorded(site: Site) -> None:
    seed_archive(site)
    ed = site.person("ed", "executor")
    done = ed.post_form("/screening/auto-reconnect?only=flagged_but_ineligible&lang=en", {
        "customers": ["3400000003"], "numbers": "3400000001, 3400000002", "value": "clear",
        "reason": "meters offline after the storm"})
    assert done.status_code == 302 and "only=flagged_but_ineligible" in done.headers["Location"]
    assert flags(site) == {n: False for n in ("3400000001", "3400000002", "3400000003", "3400000004", "3400000005")}
    changed = [(kind, actor, d["customer"], d["old"], d["new"], d["reason"]) for kind, actor, d in archive_events(site)]
    assert changed == [("customer.flag_changed", "ed", number, True, False, "meters offline after the storm")
                       for number in ("3400000003", "3400000001")]
    follow = ed.get(done.headers["Location"])
    assert "2 customer(s); 1 already had it" in follow.data.decode()


def test_a_bulk_set_with_one_customer_failing_screening_changes_nobody(site: Site) -> None:
    seed_archive(site)
    amy = site.person("amy", "applicant")
    before = snapshot(site)
    refused = amy.post_form("/screening/auto-reconnect?lang=en", {
        "customers": ["3400000002", "3400000005"], "value": "set", "reason": "screened in March"})
    assert refused.status_code == 400
    html = refused.data.decode()
    assert "nothing was changed" in html and "3400000005" in html and "M1.1.4" in html
    assert 'value="3400000002" form="bulk-flag" checked' in html and "screened in March" in html  # input kept
    api = amy.post_json("/api/customers/auto-reconnect",
                        {"customers": ["3400000002", "3400000004"], "value": True, "reason": "screened"})
    assert api.status_code == 400 and "3400000004" in api.json["error"]
    assert snapshot(site) == before

    ok = amy.post_json("/api/customers/auto-reconnect", {"customers": ["3400000002"], "value": True, "reason": "ok"})
    assert ok.status_code == 200 and (ok.json["changed"], ok.json["unchanged"]) == (1, 0)
    assert flags(site)["3400000002"] is True


def test_bulk_needs_customers_and_a_reason(site: Site) -> None:
    seed_archive(site)
    ed = site.person("ed", "executor")
    before = snapshot(site)
    no_reason = ed.post_form("/screening/auto-reconnect?lang=en", {"customers": ["3400000001"], "value": "clear"})
    assert no_reason.status_code == 422 and b"give the reason" in no_reason.data
    nobody = ed.post_form("/screening/auto-reconnect?lang=en", {"numbers": " ", "value": "clear", "reason": "x"})
    assert nobody.status_code == 422 and b"choose at least one customer" in nobody.data
    api = ed.post_json("/api/customers/auto-reconnect", {"customers": "3400000001", "value": False, "reason": "x"})
    assert api.status_code == 422 and "customers" in api.json["errors"]
    api = ed.post_json("/api/customers/auto-reconnect", {"customers": ["3400000001"], "value": "no", "reason": "x"})
    assert api.status_code == 422 and "value" in api.json["errors"]
    api = ed.post_json("/api/customers/auto-reconnect", {"customers": ["3400000001"], "value": False})
    assert api.status_code == 422 and "reason" in api.json["errors"]
    assert snapshot(site) == before


def test_only_applicants_and_executors_change_the_flag_a_sysadmin_only_looks(site: Site) -> None:
    seed_archive(site)
    sam = site.person("sam", "sysadmin")
    page = sam.get("/screening?lang=en")
    assert page.status_code == 200 and b'id="bulk-flag"' not in page.data
    assert b"Only applicants and executors" in page.data
    before = snapshot(site)
    form = sam.post_form("/screening/auto-reconnect", {"customers": ["3400000001"], "value": "clear", "reason": "x"})
    assert form.status_code == 403
    api = sam.post_json("/api/customers/auto-reconnect", {"customers": ["3400000001"], "value": False, "reason": "x"})
    assert api.status_code == 403
    assert snapshot(site) == before
    ann = site.person("ann", "approver")
    assert ann.get("/screening").status_code == 403 and ann.get("/api/screening").status_code == 403
    assert b'id="bulk-flag"' in site.person("ed", "executor").get("/screening").data
