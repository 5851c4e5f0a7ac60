"""SMS subscriptions (M2.1): the subscription rate per segment, and front-desk staff subscribing
and unsubscribing a customer, recorded in the history; others only look."""

from __future__ import annotations

import re

from tests.utility import seed_customer
from tests.web.conftest import Site
from tests.web.customers_support import archive_events, seed_archive, snapshot, subscriptions


def test_the_subscription_rate_per_segment_counts_customers_and_notice_types(site: Site) -> None:
    seed_archive(site)  # S01: 3 customers — 001 disc+reco, 002 arrears, 003 none; S02: 004 disc+reco, 005 disc
    seed_customer(site.services, "3400000006", segment_code="S01", subscribed=("disconnection", "arrears"))
    ann = site.person("ann", "approver")
    rates = ann.get("/api/subscriptions/rates").json
    s01, s02 = rates["segments"]
    assert (s01["segment"], s01["customers"], s01["subscribed"]) == (
        "S01", 4, {"disconnection": 2, "reconnection": 1, "arrears": 2})
    assert s01["rate"] == {"disconnection": 0.5, "reconnection": 0.25, "arrears": 0.5}
    assert (s01["subscribed_any"], s01["rate_any"]) == (3, 0.75)
    assert (s02["customers"], s02["subscribed"], s02["rate_any"]) == (
        2, {"disconnection": 2, "reconnection": 1, "arrears": 0}, 1.0)
    total = rates["total"]
    assert (total["customers"], total["subscribed"], total["subscribed_any"], total["rate_any"]) == (
        6, {"disconnection": 4, "reconnection": 2, "arrears": 2}, 5, 0.833)
    page = ann.get("/subscriptions?lang=en").data.decode()
    s01_row = page[page.index('<tr data-segment="S01">'):]
    s01_row = s01_row[:s01_row.index("</tr>")]
    cells = re.findall(r'data-rate="(\w+)">(?:<strong>)?(\d+)(?:</strong>)? <span class="muted">\(([\d.]+)%\)', s01_row)
    assert cells == [("disconnection", "2", "50.0"), ("reconnection", "1", "25.0"), ("arrears", "2", "50.0"),
                     ("any", "3", "75.0")]
    assert 'data-segment="total"' in page and "83.3%" in page


def test_front_desk_subscribes_and_unsubscribes_and_it_is_recorded(site: Site) -> None:
    seed_archive(site)
    amy = site.person("amy", "applicant")
    back = "/subscriptions?segment=S01"
    done = amy.post_form("/customers/3400000003/subscriptions",
                         {"notice_type": "reconnection", "subscribed": "yes", "next": back})
    assert done.status_code == 302 and done.headers["Location"] == back
    assert subscriptions(site, "3400000003") == {"reconnection"}
    unsubscribed = amy.post_json("/api/customers/3400000001/subscriptions",
                                 {"notice_type": "disconnection", "subscribed": False})
    assert unsubscribed.status_code == 200 and unsubscribed.json["changed"] is True
    assert subscriptions(site, "3400000001") == {"reconnection"}
    assert [(kind, actor, data) for kind, actor, data in archive_events(site)] == [
        ("customer.subscription_changed", "amy", {"customer": "3400000003", "notice_type": "reconnection",
                                                  "old": False, "new": True}),
        ("customer.subscription_changed", "amy", {"customer": "3400000001", "notice_type": "disconnection",
                                                  "old": True, "new": False})]
    again = amy.post_json("/api/customers/3400000001/subscriptions",
                          {"notice_type": "disconnection", "subscribed": False})
    assert again.json["changed"] is False and len(archive_events(site)) == 2  # nothing to record
    page = amy.get("/customers/3400000001?lang=en").data.decode()
    assert "SMS subscription changed" in page


def test_a_bad_subscription_request_is_refused_clearly(site: Site) -> None:
    seed_archive(site)
    ed = site.person("ed", "executor")
    before = snapshot(site)
    unknown = ed.post_json("/api/customers/3400000001/subscriptions", {"notice_type": "weather", "subscribed": True})
    assert unknown.status_code == 400 and "unknown notice type" in unknown.json["error"]
    no_choice = ed.post_json("/api/customers/3400000001/subscriptions", {"notice_type": "arrears"})
    assert no_choice.status_code == 422 and "subscribed" in no_choice.json["errors"]
    form = ed.post_form("/customers/3400000001/subscriptions", {"notice_type": "arrears", "subscribed": "maybe"})
    assert form.status_code == 422
    offsite = ed.post_form("/customers/3400000001/subscriptions",
                           {"notice_type": "arrears", "subscribed": "yes", "next": "//evil.example/"})
    assert offsite.status_code == 302 and offsite.headers["Location"] == "/customers/3400000001"
    assert subscriptions(site, "3400000001") == {"disconnection", "reconnection", "arrears"}
    assert snapshot(site)[0] == before[0]


def test_anyone_signed_in_sees_the_rates_but_only_front_desk_changes_them(site: Site) -> None:
    seed_archive(site)
    aud = site.person("aud", "auditor")
    page = aud.get("/subscriptions?lang=en")
    assert page.status_code == 200 and b"Front-desk staff" in page.data and b">Subscribe</button>" not in page.data
    before = snapshot(site)
    refused = aud.post_json("/api/customers/3400000003/subscriptions", {"notice_type": "arrears", "subscribed": True})
    assert refused.status_code == 403
    assert aud.post_form("/customers/3400000003/subscriptions",
                         {"notice_type": "arrears", "subscribed": "yes"}).status_code == 403
    assert snapshot(site) == before
    assert b">Subscribe</button>" in site.person("sam", "sysadmin").get("/subscriptions?lang=en").data
