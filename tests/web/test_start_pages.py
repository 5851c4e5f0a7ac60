"""The "start" page and its API (issue 12 item 9): whoever holds the role of a start event's lane
may start a deployed process; a start event with a form (JSON Schema) gets that form, judged by the
schema; the wrong role is refused and nothing changes."""

from __future__ import annotations

import json
from html import escape

from sqlalchemy import select

from storage.models import Instance
from tests.utility import DEPLOYER
from tests.web.conftest import Site
from tests.web.task_forms_support import READER, open_task, snapshot

START_FORM = {"type": "object", "required": ["meter"], "properties": {
    "meter": {"type": "string", "title": "Meter address", "x-title-zh": "电表地址", "pattern": "^[0-9]{12}$"},
    "urgent": {"type": "boolean", "title": "Urgent", "x-title-zh": "紧急"}}}
INSPECTION = f"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core" id="d" targetNamespace="http://t">
  <bpmn:process id="inspection" name="Meter inspection" isExecutable="true">
    <bpmn:laneSet id="ls"><bpmn:lane id="lane_executor" name="执行人">
      <bpmn:extensionElements><spiffworkflow:properties>
        <spiffworkflow:property name="role" value="executor" /></spiffworkflow:properties></bpmn:extensionElements>
      <bpmn:flowNodeRef>start</bpmn:flowNodeRef><bpmn:flowNodeRef>inspect</bpmn:flowNodeRef>
    </bpmn:lane></bpmn:laneSet>
    <bpmn:startEvent id="start">
      <bpmn:extensionElements><spiffworkflow:properties>
        <spiffworkflow:property name="form" value="{escape(json.dumps(START_FORM, ensure_ascii=False))}" />
      </spiffworkflow:properties></bpmn:extensionElements>
      <bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="inspect" />
    <bpmn:userTask id="inspect" name="Inspect the meter">
      <bpmn:extensionElements><spiffworkflow:properties>
        <spiffworkflow:property name="form" value="{escape(json.dumps({"type": "object", "properties": {
            "finding": {"type": "string", "title": "Finding", "x-title-zh": "检查结果", "x-ui": "textarea"}}}))}" />
      </spiffworkflow:properties></bpmn:extensionElements>
      <bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing></bpmn:userTask>
    <bpmn:sequenceFlow id="f2" sourceRef="inspect" targetRef="end" />
    <bpmn:endEvent id="end"><bpmn:incoming>f2</bpmn:incoming></bpmn:endEvent>
  </bpmn:process>
</bpmn:definitions>"""


def started_data(site: Site, process_id: str) -> list[dict[str, object]]:
    with site.services.db.reading() as session:
        return [row.start_data for row in session.execute(
            select(Instance).where(Instance.process_id == process_id).order_by(Instance.id)).scalars()]


def test_the_list_holds_what_your_roles_may_start(site: Site) -> None:
    site.services.deploy_files({"inspection.bpmn": INSPECTION.encode()}, DEPLOYER)
    rui = site.person(READER, "applicant")
    assert [p["id"] for p in rui.get("/api/start").json["processes"]] == ["disconnect"]  # children: the system's
    erin = site.person("erin", "executor")
    [inspection] = erin.get("/api/start").json["processes"]
    assert (inspection["id"], inspection["form"]) == ("inspection", START_FORM)
    page = erin.get("/start").get_data(as_text=True)
    assert 'data-process="inspection"' in page and 'data-process="disconnect"' not in page


def test_the_wrong_role_is_refused_on_the_page_and_the_api_and_nothing_changes(site: Site) -> None:
    site.services.deploy_files({"inspection.bpmn": INSPECTION.encode()}, DEPLOYER)
    rui, erin = site.person(READER, "applicant"), site.person("erin", "executor")
    before = snapshot(site)
    assert erin.get("/start/disconnect").status_code == 403
    assert erin.post_form("/start/disconnect").status_code == 403
    assert erin.post_json("/api/start/disconnect", {}).status_code == 403
    assert rui.post_json("/api/start/inspection", {"meter": "000000000011"}).status_code == 403
    assert erin.post_json("/api/start/reconnect", {}).status_code == 403  # started by the system only
    assert erin.post_json("/api/start/nothing", {}).status_code == 404
    assert snapshot(site) == before


def test_a_start_without_a_form_is_a_confirmation_and_leads_to_your_first_task(site: Site) -> None:
    rui = site.person(READER, "applicant")
    assert b'data-testid="start"' in rui.get("/start/disconnect").data
    started = rui.post_form("/start/disconnect")
    assert started.status_code == 302
    assert started.headers["Location"].endswith(f"/tasks/{open_task(site, 'apply').id}")
    api = rui.post_json("/api/start/disconnect", {})
    assert api.status_code == 201 and api.json["task_url"] == f"/tasks/{api.json['task_id']}"
    assert rui.post_json("/api/start/disconnect", {"customers": []}).status_code == 400  # it has no form


def test_a_start_form_is_drawn_and_judged_by_its_schema(site: Site) -> None:
    site.services.deploy_files({"inspection.bpmn": INSPECTION.encode()}, DEPLOYER)
    erin = site.person("erin", "executor")
    page = erin.get("/start/inspection").get_data(as_text=True)
    assert "电表地址" in page and 'name="meter"' in page and 'type="checkbox" name="urgent"' in page
    before = snapshot(site)
    refused = erin.post_form("/start/inspection?lang=en", {"meter": "12ab"})
    assert refused.status_code == 422 and b'data-testid="error-meter"' in refused.data
    api = erin.post_json("/api/start/inspection", {"urgent": True})
    assert (api.status_code, api.json["errors"]) == (422, {"meter": "required"})
    assert erin.post_json("/api/start/inspection", {"meter": "000000000011", "why": 1}).status_code == 400
    assert snapshot(site) == before
    started = erin.post_form("/start/inspection", {"meter": "000000000011", "urgent": "on"})
    assert started.status_code == 302 and started.headers["Location"].endswith(open_task(site, "inspect").id)
    api = erin.post_json("/api/start/inspection", {"meter": "000000000012"})
    assert api.status_code == 201
    assert started_data(site, "inspection") == [{"meter": "000000000011", "urgent": True}, {"meter": "000000000012"}]
