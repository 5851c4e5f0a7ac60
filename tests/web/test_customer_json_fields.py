"""The customer-archive JSON endpoints never take an absent or misspelt field as empty: a field
left out is a 422 naming it (``null`` is how a client clears one), an unknown field is a 422
naming it, and nothing changes; the fields sent in full still work."""

from __future__ import annotations

from typing import Any

import pytest

from tests.web.conftest import Site
from tests.web.customers_support import archive_events, flags, seed_archive, snapshot, subscriptions

REFUSED: dict[str, tuple[str, str, dict[str, Any], set[str]]] = {
    # name: (role, url, body, the fields the 422 names)
    "mobile misspelt": ("applicant", "/api/customers/3400000001/mobile", {"mobil": "13912345678"},
                        {"mobil", "mobile"}),
    "mobile left out": ("applicant", "/api/customers/3400000001/mobile", {}, {"mobile"}),
    "flag value left out": ("executor", "/api/customers/3400000002/auto-reconnect", {"reason": "r"}, {"value"}),
    "flag force misspelt": ("executor", "/api/customers/3400000004/auto-reconnect",
                            {"value": True, "forse": True, "reason": "meter replaced"}, {"forse"}),
    "bulk reason left out": ("executor", "/api/customers/auto-reconnect",
                             {"customers": ["3400000001"], "value": False}, {"reason"}),
    "bulk value misspelt": ("executor", "/api/customers/auto-reconnect",
                            {"customers": ["3400000001"], "valeu": False, "reason": "r"}, {"valeu", "value"}),
    "subscribed left out": ("executor", "/api/customers/3400000003/subscriptions", {"notice_type": "arrears"},
                            {"subscribed"}),
    "notice type misspelt": ("executor", "/api/customers/3400000003/subscriptions",
                             {"notice": "arrears", "subscribed": True}, {"notice", "notice_type"}),
    "reader mobile misspelt": ("sysadmin", "/api/segments/S01", {"reader_mobil": "13700000002"},
                               {"reader_mobil", "reader_mobile"}),
}


@pytest.mark.parametrize("name", REFUSED)
def test_an_absent_or_unknown_field_is_a_422_naming_it_and_changes_nothing(site: Site, name: str) -> None:
    role, url, body, named = REFUSED[name]
    seed_archive(site)
    before = snapshot(site)
    response = site.person(f"p-{role}", role).post_json(url, body)
    assert response.status_code == 422, (name, response.json)
    assert set(response.json["errors"]) == named, response.json
    assert snapshot(site) == before


def test_null_clears_a_mobile_and_the_full_bodies_still_work(site: Site) -> None:
    seed_archive(site)
    amy, ed, root = site.person("amy", "applicant"), site.person("ed", "executor"), site.person("root", "sysadmin")
    cleared = amy.post_json("/api/customers/3400000001/mobile", {"mobile": None})
    assert cleared.status_code == 200 and (cleared.json["old"], cleared.json["new"]) == ("13800138000", None)
    flagged = ed.post_json("/api/customers/3400000002/auto-reconnect", {"value": True})  # force, reason: optional
    assert flagged.status_code == 200 and flags(site)["3400000002"] is True
    assert ed.post_json("/api/customers/3400000003/subscriptions",
                        {"notice_type": "arrears", "subscribed": True}).status_code == 200
    assert "arrears" in subscriptions(site, "3400000003")
    kept_reader = root.post_json("/api/segments/S01", {"reader_mobile": "13700000002"})
    assert kept_reader.status_code == 200, kept_reader.json
    assert root.get("/api/segments/S01").json["reader_username"] == "reader-rui"  # left out: kept
    assert [kind for kind, _actor, _data in archive_events(site)] == [
        "customer.mobile_changed", "customer.flag_changed", "customer.subscription_changed",
        "segment.reader_phone_changed"]
