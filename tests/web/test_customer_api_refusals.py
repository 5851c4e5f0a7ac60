"""Every customer-archive endpoint that changes something, page form and JSON alike, refuses
clearly and changes nothing: wrong role 403, missing CSRF token 400, malformed JSON 400, unknown
customer or segment 404. The reads answer 403 / 404 the same way."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from tests.web.conftest import Person, Site
from tests.web.customers_support import seed_archive, snapshot


@dataclass(frozen=True)
class Change:
    url: str           # with {id}: a known id, replaced by an unknown one for the 404 case
    known: str
    unknown: str
    body: dict[str, Any]
    allowed: str       # a role that may
    refused: str       # a role that may not
    form: bool = False

    def at(self, ident: str) -> str:
        return self.url.format(id=ident)

    def body_for(self, ident: str) -> dict[str, Any]:
        return {k: (ident if v == "{id}" else [ident] if v == ["{id}"] else v) for k, v in self.body.items()}


CHANGES = {
    "bulk flag": Change("/api/customers/auto-reconnect", "3400000001", "3499999999",
                        {"customers": ["{id}"], "value": False, "reason": "r"}, "executor", "sysadmin"),
    "bulk flag form": Change("/screening/auto-reconnect", "3400000001", "3499999999",
                             {"customers": "{id}", "value": "clear", "reason": "r"}, "applicant", "sysadmin",
                             form=True),
    "one flag": Change("/api/customers/{id}/auto-reconnect", "3400000001", "3499999999",
                       {"value": False, "reason": "r"}, "applicant", "approver"),
    "one flag form": Change("/customers/{id}/auto-reconnect", "3400000001", "3499999999",
                            {"value": "clear", "reason": "r"}, "executor", "auditor", form=True),
    "mobile": Change("/api/customers/{id}/mobile", "3400000001", "3499999999",
                     {"mobile": "13912345678"}, "applicant", "approver"),
    "mobile form": Change("/customers/{id}/mobile", "3400000001", "3499999999",
                          {"mobile": "13912345678"}, "sysadmin", "auditor", form=True),
    "subscription": Change("/api/customers/{id}/subscriptions", "3400000003", "3499999999",
                           {"notice_type": "arrears", "subscribed": True}, "executor", "approver"),
    "subscription form": Change("/customers/{id}/subscriptions", "3400000003", "3499999999",
                                {"notice_type": "arrears", "subscribed": "yes"}, "sysadmin", "analyst", form=True),
    "reader phone": Change("/api/segments/{id}", "S01", "S99", {"reader_mobile": "13700000002"},
                           "sysadmin", "applicant"),
    "reader phone form": Change("/segments/{id}", "S01", "S99", {"reader_mobile": "13700000002"},
                                "sysadmin", "executor", form=True),
}


class People:
    """One signed-in person per role, made when first needed."""

    def __init__(self, site: Site) -> None:
        self.site, self.by_role = site, dict[str, Person]()

    def __call__(self, role: str) -> Person:
        if role not in self.by_role:
            self.by_role[role] = self.site.person(f"p-{role}", role)
        return self.by_role[role]


def send(people: People, change: Change, role: str, ident: str, *, csrf: bool = True) -> Any:
    who = people(role)
    if change.form:
        return who.post_form(change.at(ident), change.body_for(ident), csrf=csrf)
    return who.post_json(change.at(ident), change.body_for(ident), csrf=csrf)


@pytest.mark.parametrize("name", CHANGES)
def test_each_change_refuses_and_leaves_everything_as_it_was(site: Site, name: str) -> None:
    change, people = CHANGES[name], People(site)
    seed_archive(site)
    before = snapshot(site)

    wrong_role = send(people, change, change.refused, change.known)
    assert wrong_role.status_code == 403, wrong_role.data
    no_token = send(people, change, change.allowed, change.known, csrf=False)
    assert no_token.status_code == 400, no_token.data
    unknown = send(people, change, change.allowed, change.unknown)
    assert unknown.status_code == 404, unknown.data
    if not change.form:
        assert wrong_role.json["error"] and no_token.json["error"] and change.unknown in unknown.json["error"]
        person = people(change.allowed)
        for raw in (b"{not json", b"[1, 2]", b'"text"'):
            malformed = person.post_raw(change.at(change.known), raw)
            assert malformed.status_code == 400 and "JSON" in malformed.json["error"], raw
        as_form = person.client.post(change.at(change.known), data={"x": "1"}, headers={"X-CSRFToken": person.csrf})
        assert as_form.status_code == 400
    assert snapshot(site) == before

    accepted = send(people, change, change.allowed, change.known)  # the same request, rightly sent, does change
    assert accepted.status_code in (200, 302), accepted.data
    assert snapshot(site) != before


@pytest.mark.parametrize(("url", "role", "status"), [
    ("/api/customers/3499999999", "auditor", 404),
    ("/customers/3499999999", "auditor", 404),
    ("/api/segments/S99", "sysadmin", 404),
    ("/segments/S99", "sysadmin", 404),
    ("/api/screening?segment=S99", "executor", 404),
    ("/screening?segment=S99", "executor", 404),
    ("/api/screening", "approver", 403),
    ("/api/segments", "executor", 403),
    ("/api/segments/S01", "applicant", 403),
])
def test_reads_answer_404_for_unknown_ids_and_403_without_the_role(site: Site, url: str, role: str,
                                                                    status: int) -> None:
    seed_archive(site)
    response = site.person(f"p-{role}", role).get(url)
    assert response.status_code == status
    if url.startswith("/api/"):
        assert response.json["error"]
    else:
        assert b'data-testid="error-page"' in response.data
