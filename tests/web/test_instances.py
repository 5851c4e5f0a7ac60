"""The process views and the instances JSON API on the real processes: the list and its filters,
the detail with its diagram (the deployed XML of the instance's own version, the path taken and
the current position), and the interventions with their roles, reasons and refusals."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest

from app.web import instance_common, instances
from tests.utility import BPMN_DIR, DEPLOYER, seed_customer, seed_segment
from tests.web.catalog_support import chinese
from tests.web.conftest import Site
from tests.web.instances_support import (
    UNKNOWN_CUSTOMER,
    disconnection_batch,
    failing_reconnection,
    history,
    open_incidents,
    reconnection,
    snapshot,
    status,
    task_of,
)

ROW = re.compile(rb'<tr data-instance="(\d+)"')


def listed(page: bytes) -> list[int]:
    return [int(found) for found in ROW.findall(page)]


def test_the_list_filters_on_the_indexed_attributes_newest_first(site: Site) -> None:
    seed_segment(site.services, "S02", reader=None, mobile=None)
    on_site = reconnection(site, "3400000002", auto_reconnect=False, segment_code="S02")
    remote = reconnection(site, "3400000001")
    site.utility.advance(timedelta(minutes=2))  # the simulated head-end closes the relay: completed
    failing = failing_reconnection(site)
    ann = site.person("ann", "approver")

    def ids(query: str) -> list[int]:
        response = ann.get(f"/api/instances?{query}")
        assert response.status_code == 200, response.json
        return [item["id"] for item in response.json["items"]]

    assert ids("") == [failing, remote, on_site]
    assert ids("status=completed") == [remote]
    assert ids("status=incident") == ids("has_incident=yes") == [failing]
    assert ids("has_incident=no") == [remote, on_site]
    assert ids("work_order=140000000001") == [on_site]  # a manual order number
    assert ids("work_order=10000001") == [remote]  # an automatic one
    assert ids("customer=3400000001") == [remote]
    assert ids("segment=S02") == [on_site]
    assert ids("process=reconnect&status=running") == [on_site]
    assert ids("process=disconnect") == []
    assert ids("sort=oldest") == [on_site, remote, failing]

    page = ann.get("/api/instances?size=1&page=2").json
    assert ([item["id"] for item in page["items"]], page["total"], page["has_next"]) == ([remote], 3, True)
    row = ann.get("/api/instances?customer=3400000002").json["items"][0]
    assert (row["process_id"], row["version"], row["status"], row["open_tasks"], row["has_incident"]) == (
        "reconnect", 1, "running", 1, False)
    assert row["attributes"] == {"customer": "3400000002", "segment": "S02", "manual_order": "140000000001"}

    html = ann.get("/instances?has_incident=yes")
    assert html.status_code == 200 and listed(html.data) == [failing]
    assert "共 1 个实例".encode() in html.data and "故障".encode() in html.data
    assert listed(ann.get("/instances?work_order=140000000001").data) == [on_site]


def test_bad_list_filters_are_a_clear_400(site: Site) -> None:
    ann = site.person("ann", "approver")
    for query, says in (("status=sleeping", "status must be one of"), ("size=500", "size must be between"),
                        ("page=0", "page must be"), ("has_incident=maybe", "has_incident must be"),
                        ("sort=random", "sort must be"), ("customer=" + "9" * 300, "too long")):
        response = ann.get(f"/api/instances?{query}")
        assert response.status_code == 400 and says in response.json["error"], (query, response.json)
    assert ann.get("/instances?status=sleeping").status_code == 400
    assert site.anonymous().get("/api/instances").status_code == 401


def test_the_detail_shows_where_an_on_site_reconnection_stands(site: Site) -> None:
    instance_id = reconnection(site, "3400000002", auto_reconnect=False)
    task_id = task_of(site, instance_id, "on_site")
    ann = site.person("ann", "approver")

    page = ann.get(f"/instances/{instance_id}")
    assert page.status_code == 200
    assert f'href="/tasks/{task_id}"'.encode() in page.data and "现场复电".encode() in page.data
    assert b'src="/vendor/bpmn-js/bpmn-navigated-viewer.production.min.js"' in page.data
    assert b"unpkg" not in page.data and b"cdn" not in page.data.lower()
    assert b'data-testid="intervene"' not in page.data  # an approver may not intervene

    marks = ann.get(f"/api/instances/{instance_id}/diagram").json["highlights"]
    assert marks["tasks"] == ["on_site"]
    assert marks["active"] == ["clock_escalation", "on_site"]  # the restoration clock's timer waits on it
    assert marks["completed"] == ["flagged", "manual_order", "prepare", "start", "start_clock"]
    assert marks["taken_flows"] == ["f_clock_started", "f_manual_ordered", "f_not_flagged", "f_prepared",
                                    "f_start"]  # not f_flagged
    assert marks["incidents"] == []

    detail = ann.get(f"/api/instances/{instance_id}").json
    assert [t["id"] for t in detail["tasks"]] == [task_id] and detail["tasks"][0]["url"] == f"/tasks/{task_id}"
    assert detail["attributes"]["manual_order"] == "140000000001"
    assert detail["history"]["events"][0]["type"] == "instance.started"
    assert detail["history"]["total"] == len(history(site, instance_id))


def test_the_diagram_marks_a_wait_inside_a_subprocess_and_the_branch_taken(site: Site) -> None:
    instance_id = reconnection(site, "3400000003", behaviour="never")  # the head-end never answers
    marks = site.person("ann", "approver").get(f"/api/instances/{instance_id}/diagram").json["highlights"]
    assert marks["active"] == ["attempts", "await_result", "result_timeout"]  # the subprocess holds the wait
    assert {"f_flagged", "f_ordered", "a_first", "a_sent", "a_queued"} <= set(marks["taken_flows"])
    assert not {"f_not_flagged", "a_later", "a_busy"} & set(marks["taken_flows"])
    assert "manual_order" not in marks["completed"] and "send_command" in marks["completed"]


def test_a_batch_links_to_its_children_and_a_child_to_its_parent(site: Site) -> None:
    batch = disconnection_batch(site, "3400000011", "3400000012")
    ann = site.person("ann", "approver")
    detail = ann.get(f"/api/instances/{batch}").json
    children = [child["id"] for child in detail["children"]["first"]]
    assert detail["children"]["total"] == 2 and len(children) == 2
    assert [c["attributes"]["customer"] for c in detail["children"]["first"]] == ["3400000011", "3400000012"]
    assert ann.get(f"/api/instances/{batch}/diagram").json["highlights"]["spawns_children"] == ["per_customer"]
    page = ann.get(f"/instances/{batch}").data
    assert f'href="/instances/{children[0]}"'.encode() in page and f"/instances?parent={batch}".encode() in page
    assert listed(ann.get(f"/instances?parent={batch}").data) == children[::-1]
    child = ann.get(f"/instances/{children[0]}").data
    assert f'data-testid="parent-link">#{batch}<'.encode() in child


def test_the_diagram_is_the_xml_the_instances_own_version_was_deployed_with(site: Site) -> None:
    original = (BPMN_DIR / "reconnect.bpmn").read_text(encoding="utf-8")
    old = reconnection(site, "3400000002", auto_reconnect=False)
    changed = original.replace("<bpmn:process ", "<!-- an analyst's edit -->\n  <bpmn:process ", 1)
    [bundle] = site.services.deploy_files({"reconnect.bpmn": changed.encode()}, DEPLOYER)
    assert bundle.versions == {"reconnect": 2}
    new = reconnection(site, "3400000004", auto_reconnect=False)
    ann = site.person("ann", "approver")

    old_diagram, new_diagram = (ann.get(f"/api/instances/{i}/diagram").json for i in (old, new))
    assert (old_diagram["version"], old_diagram["xml"]) == (1, original)
    assert (new_diagram["version"], new_diagram["xml"]) == (2, changed)
    assert old_diagram["file"] == "reconnect.bpmn" and old_diagram["highlights"]["tasks"] == ["on_site"]
    raw = ann.get(f"/api/instances/{old}/diagram?format=xml")
    assert raw.mimetype == "application/xml" and raw.get_data(as_text=True) == original
    assert ann.get(f"/api/instances/{old}/diagram?format=svg").status_code == 400


def test_unknown_instances_are_404_on_pages_and_api(site: Site) -> None:
    ann = site.person("ann", "approver")
    for url in ("/api/instances/999", "/api/instances/999/diagram", "/api/instances/99999999999999999999"):
        response = ann.get(url)
        assert response.status_code == 404 and "does not exist" in response.json["error"], url
    assert ann.get("/instances/999").status_code == 404
    assert ann.get("/api/instances/abc").status_code == 404


def test_an_executor_retries_an_incident_and_the_instance_runs_on(site: Site) -> None:
    instance_id = failing_reconnection(site)
    [incident] = open_incidents(site, instance_id)
    ed = site.person("ed", "executor")
    page = ed.get(f"/instances/{instance_id}")
    assert f'action="/incidents/{incident}/retry"'.encode() in page.data and b"data-confirm" in page.data
    marks = ed.get(f"/api/instances/{instance_id}/diagram").json["highlights"]
    assert (marks["incidents"], marks["completed"], marks["active"]) == (["prepare"], ["start"], [])

    seed_customer(site.services, UNKNOWN_CUSTOMER, auto_reconnect=False)  # the archive learns the customer
    response = ed.post_json(f"/api/incidents/{incident}/retry")
    assert response.status_code == 200, response.json
    assert (response.json["status"], response.json["open_incidents"]) == ("running", [])
    retried = [(kind, actor) for kind, actor, _data in history(site, instance_id) if kind == "incident.retried"]
    assert retried == [("incident.retried", "ed")]
    assert site.person("ann", "approver").get(f"/api/instances/{instance_id}/diagram").json["highlights"][
        "tasks"] == ["on_site"]

    again = ed.post_json(f"/api/incidents/{incident}/retry")
    assert again.status_code == 409 and "already retried by ed" in again.json["error"]


def test_a_retry_from_the_page_that_fails_again_says_so(site: Site) -> None:
    instance_id = failing_reconnection(site)
    [incident] = open_incidents(site, instance_id)
    sam = site.person("sam", "sysadmin")
    response = sam.post_form(f"/incidents/{incident}/retry")
    assert response.status_code == 302 and response.headers["Location"] == f"/instances/{instance_id}"
    assert status(site, instance_id) == "incident" and open_incidents(site, instance_id) != [incident]
    assert "再次失败".encode() in sam.get(f"/instances/{instance_id}").data


def test_retry_refusals_change_nothing(site: Site) -> None:
    instance_id = failing_reconnection(site)
    [incident] = open_incidents(site, instance_id)
    before = snapshot(site, instance_id)
    ann, ed = site.person("ann", "approver"), site.person("ed", "executor")

    assert ann.post_json(f"/api/incidents/{incident}/retry").status_code == 403
    assert ann.post_form(f"/incidents/{incident}/retry").status_code == 403
    assert b"retry-" not in ann.get(f"/instances/{instance_id}").data  # no button for those who may not
    assert ed.post_json(f"/api/incidents/{incident}/retry", csrf=False).status_code == 400
    assert ed.post_form(f"/incidents/{incident}/retry", csrf=False).status_code == 400
    malformed = ed.post_raw(f"/api/incidents/{incident}/retry", b"{not json")
    assert malformed.status_code == 400 and "malformed" in malformed.json["error"]
    assert ed.post_json("/api/incidents/999/retry").status_code == 404
    assert ed.post_form("/incidents/999/retry").status_code == 404
    assert snapshot(site, instance_id) == before


@pytest.mark.parametrize("via", ["api", "page"])
def test_a_sysadmin_suspends_resumes_and_terminates_with_a_reason(site: Site, via: str) -> None:
    instance_id = reconnection(site, "3400000002", auto_reconnect=False)
    sam = site.person("sam", "sysadmin")

    def act(action: str, reason: str) -> None:
        if via == "api":
            response = sam.post_json(f"/api/instances/{instance_id}/{action}", {"reason": reason})
            assert response.status_code == 200, response.json
        else:
            response = sam.post_form(f"/instances/{instance_id}/{action}", {"reason": reason})
            assert response.status_code == 302, response.data

    act("suspend", "customer disputes the bill")
    assert status(site, instance_id) == "suspended"
    page = sam.get(f"/instances/{instance_id}").data
    assert b"customer disputes the bill" in page and b'action="/instances/%d/resume"' % instance_id in page
    act("resume", "dispute settled")
    assert status(site, instance_id) == "running"
    act("terminate", "order opened by mistake")
    assert status(site, instance_id) == "terminated"
    events = [(kind, actor, data.get("reason")) for kind, actor, data in history(site, instance_id)
              if kind in ("instance.suspended", "instance.resumed", "instance.terminated")]
    assert events == [("instance.suspended", "sam", "customer disputes the bill"),
                      ("instance.resumed", "sam", "dispute settled"),
                      ("instance.terminated", "sam", "order opened by mistake")]
    assert site.person("ann", "approver").get(f"/api/instances/{instance_id}/diagram").json["highlights"][
        "active"] == []


def test_lifecycle_refusals_change_nothing(site: Site) -> None:
    instance_id = reconnection(site, "3400000002", auto_reconnect=False)
    before = snapshot(site, instance_id)
    sam, ed = site.person("sam", "sysadmin"), site.person("ed", "executor")
    url = f"/api/instances/{instance_id}"

    assert ed.post_json(f"{url}/terminate", {"reason": "no"}).status_code == 403
    assert ed.post_form(f"/instances/{instance_id}/terminate", {"reason": "no"}).status_code == 403
    assert sam.post_json(f"{url}/terminate", {"reason": "no"}, csrf=False).status_code == 400
    assert sam.post_form(f"/instances/{instance_id}/terminate", {"reason": "no"}, csrf=False).status_code == 400
    assert sam.post_raw(f"{url}/suspend", b'{"reason": ').status_code == 400
    assert sam.post_raw(f"{url}/suspend", b'["reason"]').status_code == 400
    for body in ({}, {"reason": "   "}, {"reason": 42}, {"reason": "x" * 2001}):
        refused = sam.post_json(f"{url}/suspend", body)
        assert refused.status_code == 422 and "reason" in refused.json["errors"], body
    assert sam.post_json(f"{url}/resume", {"reason": "not suspended"}).status_code == 409
    assert sam.post_json("/api/instances/999/terminate", {"reason": "gone"}).status_code == 404
    assert sam.post_form("/instances/999/terminate", {"reason": "gone"}).status_code == 404

    page = sam.post_form(f"/instances/{instance_id}/suspend", {"reason": " "})
    assert page.status_code == 422 and "请填写原因".encode() in page.data and b'data-testid="reason-error"' in page.data
    assert snapshot(site, instance_id) == before


def test_the_sysadmin_sees_confirmations_and_only_the_actions_the_status_allows(site: Site) -> None:
    instance_id = reconnection(site, "3400000002", auto_reconnect=False)
    page = site.person("sam", "sysadmin").get(f"/instances/{instance_id}?lang=en").data.decode()
    forms = re.findall(r'<form method="post" action="/instances/\d+/(\w+)"\s+data-confirm="([^"]+)"', page)
    assert [action for action, _ in forms] == ["terminate", "suspend"]  # running: no resume
    assert all(f"instance {instance_id}" in confirm for _, confirm in forms)


def test_the_vendor_route_serves_bpmn_js_and_nothing_else(site: Site, monkeypatch: pytest.MonkeyPatch,
                                                          tmp_path: Path) -> None:
    nobody = site.anonymous()
    script = nobody.get("/vendor/bpmn-js/bpmn-navigated-viewer.production.min.js")
    assert script.status_code == 200 and "javascript" in script.mimetype and b"BpmnJS" in script.data
    assert nobody.get("/vendor/bpmn-js/assets/bpmn-js.css").mimetype == "text/css"
    assert nobody.get("/vendor/bpmn-js/../package.json").status_code == 404
    assert nobody.get("/vendor/bpmn-js/%2e%2e/package.json").status_code == 404
    monkeypatch.setattr(instances, "BPMN_JS_DIST", tmp_path / "not-installed")
    missing = nobody.get("/vendor/bpmn-js/bpmn-navigated-viewer.production.min.js?lang=en")
    assert missing.status_code == 404 and b"npm ci" in missing.data


def test_every_label_of_the_process_views_has_its_chinese() -> None:
    templates = Path(instances.__file__).parent / "templates" / "instances"
    used = {m for path in templates.glob("*.html")
            for m in re.findall(r"""_\(["']([^"']+)["']\)""", path.read_text(encoding="utf-8"))}
    used |= {*instance_common.EVENT_LABELS.values(), *instances.SORT_LABELS.values(), *instances.DONE.values(),
             *instances.ACTION_LABELS.values(), *instances.REASON_LABELS.values(),
             *instances.CONFIRMATIONS.values(), *instance_common.ATTRIBUTE_LABELS.values(),
             *(status.capitalize() for status in instance_common.STATUSES)}
    missing = sorted(label for label in used if label not in chinese())
    assert missing == []


def test_the_openapi_document_describes_every_instances_endpoint(site: Site) -> None:
    paths = site.anonymous().get("/api/openapi.json").json["paths"]
    for path in ("/api/instances", "/api/instances/{instance_id}", "/api/instances/{instance_id}/diagram",
                 "/api/instances/{instance_id}/terminate", "/api/instances/{instance_id}/suspend",
                 "/api/instances/{instance_id}/resume", "/api/incidents/{incident_id}/retry"):
        assert path in paths, path

