"""The workbench's JSON API on the shipped processes (issue 12): drafts of a whole bundle checked on
every save, bad drafts stored with the deploy's own refusals (never a 500), a stale save refused
with 409, four eyes on approval, roll-back, and every call refusing the wrong role."""

from __future__ import annotations

import itertools
from datetime import timedelta

from sqlalchemy import select

from app.config import PROJECT_ROOT
from storage.domain_models import Customer, MeterCommand
from tests.web.conftest import Site
from tests.web.instances_support import reconnection
from tests.web.workbench_support import (
    RECONNECT,
    SCRIPT,
    approved_edit,
    open_reconnect_draft,
    put_json,
    retry_wait,
    save,
)

XXE = ('<?xml version="1.0"?>\n<!DOCTYPE d [<!ENTITY secret SYSTEM "file:///etc/passwd">]>\n'
       '<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL">&secret;</bpmn:definitions>')


def test_everyone_signed_in_sees_the_library_and_seeded_versions_are_without_approval(site: Site) -> None:
    reader = site.person("rita", "applicant")
    answer = reader.get("/api/processes")
    assert answer.status_code == 200
    processes = {entry["process_id"]: entry for entry in answer.json}
    assert set(processes) == {"disconnect", "disconnect_customer", "reconnect"}
    [version] = processes["reconnect"]["versions"]
    assert (version["version"], version["approved_by"], version["deployed_by"]) == (1, None, "analyst-ann")
    assert (version["running"], version["ended"]) == (0, 0) and len(version["bundle_hash"]) == 64
    assert site.anonymous().get("/api/processes").status_code == 401


def test_a_draft_of_a_process_holds_every_file_of_its_bundle(site: Site) -> None:
    ana = site.person("ana", "analyst")
    made = ana.post_json("/api/processes/disconnect/drafts", {})
    assert made.status_code == 201 and made.json["revision"]["problems"] == [], made.json
    draft = ana.get(f"/api/drafts/{made.json['draft_id']}").json
    # the batch calls the child, which asks the cut-window table
    assert sorted(draft["files"]) == ["cut_window.dmn", "disconnect.bpmn", "disconnect_customer.bpmn"]
    assert draft["main_file"] == "disconnect.bpmn" and draft["status"] == "open"
    shipped = (PROJECT_ROOT / "bpmn" / "disconnect_customer.bpmn").read_text(encoding="utf-8")
    assert draft["files"]["disconnect_customer.bpmn"] == shipped
    assert ana.post_json("/api/processes/nothing/drafts", {}).status_code == 404
    assert ana.post_json("/api/processes/reconnect/drafts", {"from_version": 7}).status_code == 404


def test_bad_drafts_are_stored_with_the_deploys_refusals_never_a_500(site: Site) -> None:
    ana = site.person("ana", "analyst")
    draft_id = open_reconnect_draft(ana)
    bad = {"not XML": "this is not XML at all", "XXE": XXE,
           "a script that imports": RECONNECT.replace(SCRIPT, "<bpmn:script>import os\nreconnected = result['stage']")}
    said = {}
    for n, (kind, text) in enumerate(bad.items(), start=1):
        answer = save(ana, draft_id, text, n)
        assert answer.status_code == 200, (kind, answer.json)
        revision = answer.json["revision"]
        assert revision["n"] == n + 1 and revision["has_errors"], kind
        said[kind] = revision["problems"][0]
    assert said["not XML"]["message"].startswith("not an XML document") and said["not XML"]["line"] == 1
    assert "DOCTYPE/ENTITY declarations are not allowed" in said["XXE"]["message"]
    script = said["a script that imports"]
    assert (script["element_id"], script["name"]) == ("check_relay", "Relay reported closed?")
    script_line = RECONNECT[:RECONNECT.index(SCRIPT)].count("\n") + 1  # the <bpmn:script> element's line
    assert "imports are not allowed" in script["message"] and script["line"] == script_line
    listed = ana.get(f"/api/drafts/{draft_id}/revisions").json
    assert [(r["n"], r["has_errors"]) for r in listed] == [(4, True), (3, True), (2, True), (1, False)]
    refused = ana.post_json(f"/api/drafts/{draft_id}/proposals", {"comment": "please"})
    assert refused.status_code == 422 and refused.json["problems"] == [script], refused.json
    assert ana.get(f"/api/drafts/{draft_id}").json["revision"]["problems"] == [script]


def test_a_save_the_draft_cannot_hold_is_a_422_naming_the_field(site: Site) -> None:
    ana = site.person("ana", "analyst")
    draft_id = open_reconnect_draft(ana)
    for files in ({}, {"../reconnect.bpmn": RECONNECT}, {"reconnect.txt": RECONNECT}):
        answer = put_json(ana, f"/api/drafts/{draft_id}", {"files": files, "base_revision": 1})
        assert answer.status_code == 422 and "files" in answer.json["errors"], (files, answer.json)
    answer = put_json(ana, f"/api/drafts/{draft_id}", {"files": {"reconnect.bpmn": RECONNECT}, "base_revision": "1"})
    assert answer.status_code == 422 and "base_revision" in answer.json["errors"]
    assert put_json(ana, "/api/drafts/999", {"files": {"reconnect.bpmn": RECONNECT}, "base_revision": 1}
                    ).status_code == 404
    assert len(ana.get(f"/api/drafts/{draft_id}/revisions").json) == 1


def test_a_stale_save_is_a_409_and_loses_neither_edit(site: Site) -> None:
    ana, bob = site.person("ana", "analyst"), site.person("bob", "analyst")
    draft_id = open_reconnect_draft(ana)
    assert save(ana, draft_id, retry_wait("30"), 1).status_code == 200
    stale = save(bob, draft_id, retry_wait("90"), 1)
    assert stale.status_code == 409 and "ana saved revision 2" in stale.json["error"], stale.json
    assert save(bob, draft_id, retry_wait("90"), 2).json["revision"]["n"] == 3
    listed = ana.get(f"/api/drafts/{draft_id}/revisions").json
    assert [(r["n"], r["author"]) for r in listed] == [(3, "bob"), (2, "ana"), (1, "ana")]


def test_four_eyes_an_analyst_proposes_a_sysadmin_who_did_not_approves(site: Site) -> None:
    ada = site.person("ada", "analyst", "sysadmin")
    sam, ana = site.person("sam", "sysadmin"), site.person("ana", "analyst")
    draft_id = open_reconnect_draft(ada)
    assert save(ada, draft_id, retry_wait("45"), 1).json["revision"]["problems"] == []
    proposal_id = ada.post_json(f"/api/drafts/{draft_id}/proposals", {"comment": "45 min"}).json["proposal_id"]
    own = ada.post_json(f"/api/proposals/{proposal_id}/approve", {})
    assert own.status_code == 403 and "four eyes" in own.json["error"]
    assert ana.post_json(f"/api/proposals/{proposal_id}/approve", {}).status_code == 403
    approved = sam.post_json(f"/api/proposals/{proposal_id}/approve", {"comment": "fine"})
    assert approved.status_code == 200 and approved.json["versions"] == {"reconnect": 2}
    assert sam.post_json(f"/api/proposals/{proposal_id}/approve", {}).status_code == 409
    [reconnect] = [p for p in sam.get("/api/processes").json if p["process_id"] == "reconnect"]
    assert [(v["version"], v["approved_by"], v["comment"]) for v in reconnect["versions"]] == [
        (2, "sam", "45 min"), (1, None, None)]
    assert reconnect["proposals"][0]["status"] == "approved" and reconnect["drafts"] == []


def test_an_analyst_gives_up_a_draft_it_leaves_the_library(site: Site) -> None:
    ana, sam = site.person("ana", "analyst"), site.person("sam", "sysadmin")
    draft_id = open_reconnect_draft(ana)
    assert sam.post_json(f"/api/drafts/{draft_id}/withdraw", {}).status_code == 403
    assert ana.post_json(f"/api/drafts/{draft_id}/withdraw", {}).json == {"status": "withdrawn"}
    assert ana.post_json(f"/api/drafts/{draft_id}/withdraw", {}).status_code == 409
    assert save(ana, draft_id, RECONNECT, 1).status_code == 409
    [reconnect] = [p for p in ana.get("/api/processes").json if p["process_id"] == "reconnect"]
    assert reconnect["drafts"] == [] and ana.get(f"/api/drafts/{draft_id}").json["status"] == "withdrawn"


def test_send_back_with_an_opinion_reopens_the_draft(site: Site) -> None:
    ana, sam = site.person("ana", "analyst"), site.person("sam", "sysadmin")
    draft_id = open_reconnect_draft(ana)
    proposal_id = ana.post_json(f"/api/drafts/{draft_id}/proposals", {"comment": "as is"}).json["proposal_id"]
    assert sam.post_json(f"/api/proposals/{proposal_id}/send-back", {"opinion": ""}).status_code == 422
    sent = sam.post_json(f"/api/proposals/{proposal_id}/send-back", {"opinion": "change something first"})
    assert sent.status_code == 200 and sent.json == {"status": "sent_back"}
    assert ana.get(f"/api/drafts/{draft_id}").json["status"] == "open"
    [reconnect] = [p for p in ana.get("/api/processes").json if p["process_id"] == "reconnect"]
    assert reconnect["proposals"][0]["opinion"] == "change something first"


def test_roll_back_to_an_earlier_version_with_a_second_sysadmin(site: Site) -> None:
    ana, sam, sue = site.person("ana", "analyst"), site.person("sam", "sysadmin"), site.person("sue", "sysadmin")
    [first] = [p["versions"][0] for p in sam.get("/api/processes").json if p["process_id"] == "reconnect"]
    approved_edit(ana, sam)
    assert ana.post_json("/api/processes/reconnect/rollbacks", {"version": 1, "comment": "x"}).status_code == 403
    assert sam.post_json("/api/processes/reconnect/rollbacks", {"version": 2, "comment": "x"}).status_code == 409
    made = sam.post_json("/api/processes/reconnect/rollbacks", {"version": 1, "comment": "45 min is too short"})
    assert made.status_code == 201, made.json
    assert sam.post_json(f"/api/proposals/{made.json['proposal_id']}/approve", {}).status_code == 403
    back = sue.post_json(f"/api/proposals/{made.json['proposal_id']}/approve", {})
    assert back.status_code == 200
    assert back.json == {"deployment_id": first["deployment_id"], "versions": {"reconnect": 3}}


def test_every_workbench_call_refuses_the_wrong_role(site: Site) -> None:
    ana, sam = site.person("ana", "analyst"), site.person("sam", "sysadmin")
    draft_id = open_reconnect_draft(ana)
    proposal_id = ana.post_json(f"/api/drafts/{draft_id}/proposals", {"comment": "c"}).json["proposal_id"]
    operators = [site.person(name, role) for name, role in (("olly", "applicant"), ("ann", "approver"),
                                                            ("ed", "executor"), ("aud", "auditor"))]
    for person in [*operators, sam]:
        assert person.post_json("/api/processes/reconnect/drafts", {}).status_code == 403, person.username
        assert save(person, draft_id, RECONNECT, 1).status_code == 403, person.username
        assert person.post_json(f"/api/drafts/{draft_id}/proposals", {"comment": "c"}).status_code == 403
    for person in [*operators, ana]:
        assert person.post_json(f"/api/proposals/{proposal_id}/approve", {}).status_code == 403, person.username
        assert person.post_json(f"/api/proposals/{proposal_id}/send-back", {"opinion": "o"}).status_code == 403
        assert person.post_json("/api/processes/reconnect/rollbacks", {"version": 1, "comment": "c"}
                                ).status_code == 403
    for person in operators:
        assert person.get(f"/api/drafts/{draft_id}").status_code == 200  # everyone signed in may look
        assert person.post_json(f"/api/proposals/{proposal_id}/withdraw", {}).status_code == 403
    nobody = site.person("nobody")
    assert nobody.get("/api/processes").status_code == 403
    assert ana.get(f"/api/drafts/{draft_id}").json["status"] == "proposed"


def test_an_approved_edit_runs_for_new_cases_while_earlier_ones_keep_their_version(site: Site) -> None:
    """M5.2: the wait between sends is the diagram's; a case started before the approval keeps 2 h."""
    before = reconnection(site, "3400000101", behaviour="fails")
    approved_edit(site.person("ana", "analyst"), site.person("sam", "sysadmin"), minutes="45")
    after = reconnection(site, "3400000102", behaviour="fails")
    site.utility.advance(timedelta(hours=5), step=timedelta(minutes=5))
    reader = site.person("rita", "applicant")
    assert [reader.get(f"/api/instances/{i}").json["version"] for i in (before, after)] == [1, 2]
    with site.services.db.reading() as session:
        def gaps(number: str) -> list[timedelta]:
            sent = list(session.execute(select(MeterCommand.created_at).join(Customer).where(
                Customer.number == number).order_by(MeterCommand.id)).scalars())
            return [later - earlier for earlier, later in itertools.pairwise(sent)]

        old, new = gaps("3400000101"), gaps("3400000102")
    assert len(old) == len(new) == 2  # 3 sends each, as the loop maximum still says
    assert all(timedelta(hours=2) < gap <= timedelta(hours=2, minutes=10) for gap in old), old
    assert all(timedelta(minutes=45) < gap <= timedelta(minutes=55) for gap in new), new
