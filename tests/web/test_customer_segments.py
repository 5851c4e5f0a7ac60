"""Segment readers' phones (M3): a system administrator edits them, the history keeps old → new;
a malformed mobile is a clear refusal that changes nothing; nobody else may look or change (M3.2)."""

from __future__ import annotations

import html

from tests.utility import READER_MOBILE
from tests.web.conftest import Site
from tests.web.customers_support import archive_events, seed_archive, snapshot


def test_a_sysadmin_edits_a_reader_phone_and_the_history_shows_old_and_new(site: Site) -> None:
    seed_archive(site)
    sam = site.person("sam", "sysadmin")
    listing = sam.get("/segments?lang=en").data.decode()
    s02 = listing[listing.index('data-segment="S02"'):]
    assert "reader-li" in s02[:s02.index("</tr>")] and "missing" in s02[:s02.index("</tr>")]
    done = sam.post_form("/segments/S02", {"reader_username": "reader-li", "reader_mobile": "+86 137 0000 0002"})
    assert done.status_code == 302 and done.headers["Location"] == "/segments"
    assert archive_events(site) == [("segment.reader_phone_changed", "sam",
                                     {"segment": "S02", "old": None, "new": "13700000002"})]
    sam.post_form("/segments/S02", {"reader_username": "reader-wu", "reader_mobile": "13700000003"})
    segment = sam.get("/api/segments/S02").json
    assert (segment["reader_username"], segment["reader_mobile"], segment["customers"]) == (
        "reader-wu", "13700000003", 2)
    assert [(h["type"], h["old"], h["new"]) for h in segment["history"]] == [
        ("segment.reader_phone_changed", "13700000002", "13700000003"),
        ("segment.reader_changed", "reader-li", "reader-wu"),
        ("segment.reader_phone_changed", None, "13700000002")]
    page = html.unescape(sam.get("/segments/S02?lang=en").data.decode())
    assert "13700000002" in page and "Reader's mobile changed" in page and "Reader changed" in page
    api = sam.post_json("/api/segments/S01", {"reader_mobile": None})
    assert api.status_code == 200 and (api.json["old"], api.json["new"]) == (READER_MOBILE, None)
    assert api.json["reader_username"] == "reader-rui"  # not given: the reader stays


def test_a_malformed_mobile_is_a_clear_refusal_and_nothing_changes(site: Site) -> None:
    seed_archive(site)
    sam = site.person("sam", "sysadmin")
    before = snapshot(site)
    page = sam.post_form("/segments/S01?lang=en", {"reader_username": "reader-rui", "reader_mobile": "1390000000"})
    assert page.status_code == 422
    text = page.data.decode()
    assert "Not a mainland China mobile number" in text and 'value="1390000000"' in text
    chinese = sam.post_form("/segments/S01?lang=zh", {"reader_username": "reader-rui", "reader_mobile": "0554-123"})
    assert chinese.status_code == 422 and "不是有效的中国大陆手机号" in chinese.data.decode()
    api = sam.post_json("/api/segments/S01", {"reader_mobile": "phone me"})
    assert api.status_code == 422 and "reader_mobile" in api.json["errors"]
    bad_reader = sam.post_json("/api/segments/S01", {"reader_mobile": "13900000009", "reader_username": "Rui Reader"})
    assert bad_reader.status_code == 422 and "reader_username" in bad_reader.json["errors"]
    missing = sam.post_json("/api/segments/S01", {})
    assert missing.status_code == 422 and "reader_mobile" in missing.json["errors"]
    assert snapshot(site) == before


def test_only_a_sysadmin_sees_or_changes_reader_phones(site: Site) -> None:
    seed_archive(site)
    before = snapshot(site)
    for role in ("applicant", "executor", "approver", "auditor", "analyst"):
        person = site.person(f"user-{role}", role)
        assert person.get("/segments").status_code == 403, role
        assert person.get("/segments/S01").status_code == 403, role
        assert person.get("/api/segments").status_code == 403, role
        assert person.post_form("/segments/S01", {"reader_mobile": "13700000002"}).status_code == 403, role
        assert person.post_json("/api/segments/S01", {"reader_mobile": "13700000002"}).status_code == 403, role
    assert snapshot(site) == before
    menu = site.person("amy2", "applicant").get("/customers").data.split(b"</nav>")[0]
    assert b'href="/customers"' in menu and b'href="/segments"' not in menu
