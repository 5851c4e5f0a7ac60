"""Every user task's form, as operators use it: the real diagrams, validators and head-end
simulator, on SQLite and PostgreSQL. Refusals are clear 4xx and change nothing."""

from __future__ import annotations

from datetime import UTC, timedelta
from pathlib import Path

import pytest
from lxml import etree
from sqlalchemy import select

from app.runtime.actors import Actor
from app.runtime.deployment.bpmn_source import DeployError
from app.runtime.form_schema import is_schema_text
from app.usecases.payments import record_payment
from app.usecases.reconnections import run_patrol
from app.web.task_form_context import form_key
from app.web.task_form_registry import FORMS
from handlers import validator_table
from storage.domain_models import Reconnection
from storage.models import HistoryEvent
from tests.utility import BPMN_DIR, DEPLOYER, seed_customer
from tests.web.conftest import Site
from tests.web.task_forms_support import (
    READER,
    acknowledgement,
    apply_via_api,
    approve_via_api,
    children,
    customer,
    instance,
    open_elements,
    open_task,
    owing,
    snapshot,
    start_application,
)

NS = {"bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL",
      "spiffworkflow": "http://spiffworkflow.org/bpmn/schema/1.0/core"}


def user_tasks_in(path: Path) -> list[tuple[str, dict[str, str]]]:
    tree = etree.parse(str(path))
    return [(task.get("id"), {p.get("name"): p.get("value")
                              for p in task.findall(".//spiffworkflow:property", NS)})
            for task in tree.findall(".//bpmn:userTask", NS)]


def test_every_user_task_in_the_diagrams_has_a_form() -> None:
    found = [(path.name, task_id, props) for path in sorted(BPMN_DIR.glob("*.bpmn"))
             for task_id, props in user_tasks_in(path)]
    assert len(found) >= 7
    missing = [f"{name}#{task_id}" for name, task_id, props in found  # a JSON Schema form draws itself
               if not is_schema_text(props.get("form")) and form_key(props) not in FORMS]
    assert missing == [], f"user tasks without a form: {missing}"
    assert form_key({"form": "reconnection.on_site", "validator": "x.y"}) == "reconnection.on_site"  # named outright


def test_every_form_serves_an_installed_validator() -> None:
    assert set(FORMS) <= set(validator_table())


NO_FORM_BPMN = b"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d" targetNamespace="http://t">
  <bpmn:process id="formless" name="A process without forms" isExecutable="true">
    <bpmn:laneSet id="lanes"><bpmn:lane id="l" name="executor"><bpmn:flowNodeRef>look</bpmn:flowNodeRef></bpmn:lane>
    </bpmn:laneSet>
    <bpmn:startEvent id="start"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="look" />
    <bpmn:userTask id="look" name="Look at the meter"><bpmn:incoming>f1</bpmn:incoming>
      <bpmn:outgoing>f2</bpmn:outgoing></bpmn:userTask>
    <bpmn:sequenceFlow id="f2" sourceRef="look" targetRef="end" />
    <bpmn:endEvent id="end"><bpmn:incoming>f2</bpmn:incoming></bpmn:endEvent>
  </bpmn:process>
</bpmn:definitions>"""


def test_a_task_without_a_form_is_refused_at_deploy(site: Site) -> None:
    """Issue 12 item 9: never again a page that cannot be completed while the API can."""
    with pytest.raises(DeployError) as refused:
        site.services.deploy_files({"formless.bpmn": NO_FORM_BPMN}, DEPLOYER)
    [problem] = refused.value.problems
    assert (problem.element_id, problem.message.split(":")[0]) == (
        "look", "user task 'Look at the meter' has neither a validator nor a form")


def test_a_task_without_a_form_shows_its_data_read_only_and_cannot_be_sent(site: Site,
                                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    """A task of a diagram deployed before deploy refused formless tasks still gets a page."""
    monkeypatch.setattr("app.runtime.deployment.lint.form_problems", lambda tree: [])
    site.services.deploy_files({"formless.bpmn": NO_FORM_BPMN}, DEPLOYER)
    site.services.runtime.start("formless", {"meter": "000000000011"}, Actor("sam", frozenset({"executor"})))
    erin = site.person("erin", "executor")
    task = open_task(site, "look")
    page = erin.get(f"/tasks/{task.id}?lang=en")
    assert page.status_code == 200
    assert b'data-testid="no-form"' in page.data and b"No form is installed" in page.data
    assert b"000000000011" in page.data and b"Look at the meter" in page.data
    assert b'data-testid="task-form"' not in page.data
    before = snapshot(site)
    refused = erin.post_form(f"/tasks/{task.id}", {"anything": "x"})
    assert refused.status_code == 400 and snapshot(site) == before
    assert erin.get(f"/api/tasks/{task.id}").json["form"] is None


def test_only_an_applicant_starts_a_disconnection_and_lands_on_its_apply_form(site: Site) -> None:
    owing(site, "3400000011")
    erin = site.person("erin", "executor")
    assert erin.get("/disconnections/new").status_code == 403
    before = snapshot(site)
    assert erin.post_form("/disconnections/new").status_code == 403
    assert erin.post_json("/api/disconnections", {}).status_code == 403
    assert snapshot(site) == before

    rui = site.person(READER, "applicant")
    assert b'data-testid="start-form"' in rui.get("/disconnections/new").data
    task_id = start_application(rui)
    page = rui.get(f"/tasks/{task_id}")
    assert page.status_code == 200 and b'data-form="application"' in page.data
    assert "查找欠费用户".encode() in page.data  # Chinese by default
    # the search starts at the signed-in reader's own segments (M4.1): their customer in arrears is listed
    assert b'data-testid="search-results"' in page.data and b"3400000011" in page.data
    # the started, unsent application is listed for its applicant to come back to
    assert task_id.encode() in rui.get("/disconnections/new").data


def test_the_application_finds_customers_by_number_segment_reader_and_arrears(site: Site) -> None:
    owing(site, "3400000011", owed_cents=50_000)
    owing(site, "3400000012", owed_cents=10_000)
    owing(site, "3400000013", protected_kind="life_support", protected_reason="oxygen")
    seed_customer(site.services, "3400000014")  # disconnected, owes nothing: not a candidate
    ann = site.person("ann", "applicant")
    task_id = start_application(ann)
    mine = ann.get(f"/tasks/{task_id}")
    assert b"3400000011" not in mine.data  # ann reads no segment: nothing by default
    found = ann.post_form(f"/tasks/{task_id}", {"action": "search", "find_reader": "", "find_min_arrears": "200"})
    assert found.status_code == 200
    results = found.data.split(b'data-testid="search-results"')[1].split(b"</table>")[0]
    assert b"3400000011" in results and b"3400000012" not in results and b"3400000014" not in results
    assert b'data-testid="other-reader"' in results  # S01 is reader-rui's, not ann's
    everyone = ann.post_form(f"/tasks/{task_id}", {"action": "search", "find_reader": "", "find_segment": "S01"})
    listed = everyone.data.split(b'data-testid="search-results"')[1].split(b"</table>")[0]
    assert b"3400000012" in listed and b"3400000013" in listed and b"disabled" in listed  # protected: not pickable
    for nonsense in ("lots", "Infinity", "1e40"):
        bad = ann.post_form(f"/tasks/{task_id}", {"action": "search", "find_reader": "", "find_min_arrears": nonsense})
        assert bad.status_code == 200 and b'data-testid="search-error"' in bad.data
    assert open_elements(site) == ["apply"]  # searching sends nothing


def test_an_applicant_sees_the_reader_mismatch_warning_before_sending_and_sends_anyway(site: Site) -> None:
    owing(site, "3400000011", "3400000012")
    ann = site.person("ann", "applicant")  # not the reader of S01
    task_id = start_application(ann)
    form = {"customers": ["3400000011"], "customer_numbers": "3400000012", "reason": "arrears over 60 days",
            "planned_date": "2026-03-02"}
    checked = ann.post_form(f"/tasks/{task_id}?lang=en", {**form, "action": "check"})
    assert checked.status_code == 200 and b'data-testid="warnings"' in checked.data
    assert b"3400000011: segment S01 belongs to reader-rui" in checked.data
    assert b"Send anyway" in checked.data
    warned = ann.post_form(f"/tasks/{task_id}", {**form, "action": "send"})
    assert warned.status_code == 200 and b'data-testid="warnings"' in warned.data
    assert open_elements(site) == ["apply"]  # shown before sending: nothing sent yet
    # both customers stay selected, the typed number included
    selected = warned.data.split(b'data-testid="selected-customers"')[1].split(b"</table>")[0]
    assert b"3400000011" in selected and b"3400000012" in selected
    sent = ann.post_form(f"/tasks/{task_id}", {**form, "action": "send", "acknowledged": acknowledgement(warned.data)})
    assert sent.status_code == 302
    assert open_elements(site) == ["approve"]
    with site.services.db.reading() as session:
        applied = session.execute(select(HistoryEvent).where(HistoryEvent.type == "task.completed")).scalar_one()
    assert len(applied.data["data"]["reader_warnings"]) == 2


def test_the_segments_reader_sends_without_a_warning(site: Site) -> None:
    owing(site, "3400000011")
    rui = site.person(READER, "applicant")
    task_id = start_application(rui)
    sent = rui.post_form(f"/tasks/{task_id}", {"customers": "3400000011", "reason": "arrears",
                                               "planned_date": "2026-03-02", "action": "send"})
    assert sent.status_code == 302 and open_elements(site) == ["approve"]


def test_an_invalid_application_comes_back_with_messages_and_the_input_kept(site: Site) -> None:
    owing(site, "3400000011")
    owing(site, "3400000013", protected_kind="life_support", protected_reason="home oxygen")
    rui = site.person(READER, "applicant")
    task_id = start_application(rui)
    before = snapshot(site)
    empty = rui.post_form(f"/tasks/{task_id}?lang=en", {"reason": "", "planned_date": "2026-02-01",
                                                         "action": "send"})
    assert empty.status_code == 422
    for field in (b"customers", b"reason", b"planned_date"):
        assert b'data-testid="error-' + field + b'"' in empty.data
    protected = rui.post_form(f"/tasks/{task_id}", {"customers": ["3400000011", "3400000013"], "reason": "arrears",
                                                    "planned_date": "2026-03-02", "action": "send"})
    assert protected.status_code == 422 and b"life_support" in protected.data
    assert b'value="arrears"' in protected.data  # the reason typed is kept
    assert snapshot(site) == before


def test_the_approver_sends_back_then_approves(site: Site) -> None:
    owing(site, "3400000011")
    rui, bo = site.person(READER, "applicant"), site.person("bo", "approver")
    batch = apply_via_api(rui, ["3400000011"])
    approve = open_task(site, "approve", batch)
    assert rui.get(f"/tasks/{approve.id}").status_code == 403  # the approver's lane
    page = bo.get(f"/tasks/{approve.id}")
    assert page.status_code == 200 and b'data-form="approval"' in page.data
    assert b"3400000011" in page.data and b"arrears over 60 days" in page.data
    no_opinion = bo.post_form(f"/tasks/{approve.id}", {"opinion": " ", "decision": "approve"})
    assert no_opinion.status_code == 422 and b'data-testid="error-opinion"' in no_opinion.data
    back = bo.post_form(f"/tasks/{approve.id}", {"opinion": "wrong reason code", "decision": "send_back"})
    assert back.status_code == 302
    again = open_task(site, "apply", batch)
    page = rui.get(f"/tasks/{again.id}")
    assert b'data-testid="sent-back"' in page.data and b"wrong reason code" in page.data
    assert b"3400000011" in page.data.split(b'data-testid="selected-customers"')[1].split(b"</table>")[0]
    assert rui.post_form(f"/tasks/{again.id}", {"customers": "3400000011", "reason": "arrears > 60 days",
                                                "planned_date": "2026-03-02"}).status_code == 302
    second = open_task(site, "approve", batch)
    assert bo.post_form(f"/tasks/{second.id}", {"opinion": "agreed", "decision": "approve"}).status_code == 302
    assert open_elements(site) == ["issue"]


def pay(site: Site, number: str) -> None:
    record_payment(site.services.runtime, {"payment_id": f"P-{number}", "customer_number": number, "amount": "320",
                                    "paid_at": site.services.clock.now().isoformat()})


def test_the_executor_cancels_one_paid_customer_keeps_another_issues_and_archives(site: Site) -> None:
    owing(site, "3400000011", "3400000012", "3400000013")
    rui, bo, erin = site.person(READER, "applicant"), site.person("bo", "approver"), site.person("erin", "executor")
    batch = apply_via_api(rui, ["3400000011", "3400000012", "3400000013"])
    approve_via_api(site, bo, batch)
    pay(site, "3400000012")
    pay(site, "3400000013")
    issue = open_task(site, "issue", batch)
    page = erin.get(f"/tasks/{issue.id}?lang=en")
    assert page.status_code == 200 and b'data-form="issue"' in page.data and b"data-confirm=" in page.data
    paid = page.data.split(b'data-testid="paid-meanwhile"')[1].split(b"</table>")[0]
    assert b"3400000012" in paid and b"3400000013" in paid and b"3400000011" not in paid
    before = snapshot(site)
    no_reason = erin.post_form(f"/tasks/{issue.id}", {"choice.3400000012": "cancel", "choice.3400000013": "keep",
                                                      "reason.3400000013": ""})
    assert no_reason.status_code == 422 and b'data-testid="error-keep"' in no_reason.data
    assert snapshot(site) == before
    issued = erin.post_form(f"/tasks/{issue.id}", {"choice.3400000012": "cancel", "choice.3400000013": "keep",
                                                   "reason.3400000013": "payment covers another account"})
    assert issued.status_code == 302
    noticed = site.services.clock.now().isoformat()  # the advance SMS at approval (M4.3.1)
    assert [k.start_data for k in children(site, batch)] == [
        {"customer_number": "3400000011", "kept": False, "noticed_at": noticed, "renoticed_for": None},
        {"customer_number": "3400000013", "kept": True, "noticed_at": noticed, "renoticed_for": None}]
    site.utility.advance(timedelta(minutes=2))
    assert customer(site, "3400000011").power_status == "disconnected"
    archive = open_task(site, "send_to_archive", batch)
    page = erin.get(f"/tasks/{archive.id}")
    assert page.status_code == 200 and b'data-form="send_to_archive"' in page.data
    outcomes = page.data.split(b'data-testid="outcomes"')[1].split(b"</table>")[0]
    assert b"3400000011" in outcomes and b"3400000013" in outcomes
    assert erin.post_form(f"/tasks/{archive.id}", {}).status_code == 302
    done = instance(site, batch)
    assert done.status == "completed" and done.result["disconnected"] == ["3400000011", "3400000013"]


def test_an_emptied_batch_asks_archive_and_only_a_confirmation_archives_it(site: Site) -> None:
    owing(site, "3400000011")
    rui, bo, erin = site.person(READER, "applicant"), site.person("bo", "approver"), site.person("erin", "executor")
    batch = apply_via_api(rui, ["3400000011"])
    approve_via_api(site, bo, batch)
    pay(site, "3400000011")
    issue = open_task(site, "issue", batch)
    issued = erin.post_form(f"/tasks/{issue.id}", {"choice.3400000011": "cancel"})
    empty = open_task(site, "confirm_empty", batch)
    assert issued.status_code == 302 and issued.headers["Location"].endswith(f"/tasks/{empty.id}")  # straight on
    page = erin.get(f"/tasks/{empty.id}")
    assert b'data-form="archive_empty"' in page.data and b'data-testid="empty-batch"' in page.data
    assert b"data-confirm=" in page.data
    before = snapshot(site)
    unconfirmed = erin.post_form(f"/tasks/{empty.id}", {})
    assert unconfirmed.status_code == 422 and b'data-testid="error-archive"' in unconfirmed.data
    assert snapshot(site) == before
    assert erin.post_form(f"/tasks/{empty.id}", {"archive": "yes"}).status_code == 302
    assert instance(site, batch).status == "completed" and children(site, batch) == []


def test_a_failed_trip_is_entered_by_hand(site: Site) -> None:
    owing(site, "3400000011")
    site.utility.headend.set_behaviour(customer(site, "3400000011").meter_address, "fails")
    rui, bo, erin = site.person(READER, "applicant"), site.person("bo", "approver"), site.person("erin", "executor")
    batch = apply_via_api(rui, ["3400000011"])
    approve_via_api(site, bo, batch)
    issue = open_task(site, "issue", batch)
    assert erin.post_form(f"/tasks/{issue.id}", {}).status_code == 302
    site.utility.advance(timedelta(minutes=2))
    [child] = children(site, batch)
    entry = open_task(site, "enter_disconnection", child.id)
    page = erin.get(f"/tasks/{entry.id}?lang=en")
    assert page.status_code == 200 and b'data-form="manual_entry"' in page.data
    assert "继电器未动作".encode() in page.data and b'data-testid="meter-commands"' in page.data
    assert b'data-testid="attr-customer">3400000011' in page.data
    before = snapshot(site)
    no_time = erin.post_form(f"/tasks/{entry.id}", {"disconnected": "yes", "disconnected_at": "",
                                                    "note": "meter sealed"})
    assert no_time.status_code == 422 and b'data-testid="error-disconnected_at"' in no_time.data
    assert b"meter sealed" in no_time.data and snapshot(site) == before
    future = erin.post_form(f"/tasks/{entry.id}", {"disconnected": "yes", "disconnected_at": "2026-03-02T10:30"})
    assert future.status_code == 422 and snapshot(site) == before
    done = erin.post_form(f"/tasks/{entry.id}", {"disconnected": "yes", "disconnected_at": "2026-03-02T09:01",
                                                 "note": "meter sealed"})
    assert done.status_code == 302
    cut = customer(site, "3400000011")
    assert cut.power_status == "disconnected"
    assert cut.power_status_since.astimezone(UTC).isoformat() == "2026-03-02T01:01:00+00:00"  # 09:01 Beijing
    assert instance(site, child.id).result["how"] == "on_site"


def test_a_reader_reconnects_on_site_after_every_remote_send_failed(site: Site) -> None:
    seed_customer(site.services, "3400000001")  # disconnected, owes nothing, flagged
    site.utility.headend.set_behaviour(customer(site, "3400000001").meter_address, "fails")
    run_patrol(site.services.runtime)
    site.utility.advance(timedelta(hours=6), step=timedelta(minutes=5))
    with site.services.db.reading() as session:
        order = session.execute(select(Reconnection)).scalar_one()
    assert order.manual_order_no is not None and order.instance_id is not None
    task = open_task(site, "on_site", order.instance_id)
    reader = site.person("rui-on-site", "executor")
    page = reader.get(f"/tasks/{task.id}?lang=en")
    assert page.status_code == 200 and b'data-form="on_site"' in page.data
    assert b'data-testid="instructions"' in page.data and b"Reconnect customer 3400000001" in page.data
    assert order.manual_order_no.encode() in page.data
    failed = "继电器未动作".encode()
    commands = page.data.split(b'data-testid="meter-commands"')[1].split(b"</table>")[0]
    assert commands.count(failed) == 3  # the three failed sends
    why = page.data.split(b'data-testid="why-on-site"')[1].split(b"</div>")[0]  # and why it is on site (M5.2)
    assert b"All 3 remote sends failed." in why and why.count(b"<li>") == 3  # each send's time, said once
    before = snapshot(site)
    future = reader.post_form(f"/tasks/{task.id}", {"reconnected_at": "2026-03-03T08:00", "note": "fuse"})
    assert future.status_code == 422 and b'data-testid="error-reconnected_at"' in future.data
    assert b"fuse" in future.data and snapshot(site) == before
    default = page.data.split(b'name="reconnected_at" value="')[1].split(b'"')[0].decode()
    assert reader.post_form(f"/tasks/{task.id}", {"reconnected_at": default, "note": "fuse"}).status_code == 302
    assert customer(site, "3400000001").power_status == "connected"
    with site.services.db.reading() as session:
        assert session.execute(select(Reconnection)).scalar_one().outcome == "reconnected_on_site"


def test_a_task_claimed_by_someone_else_is_shown_but_not_offered_for_completion(site: Site) -> None:
    owing(site, "3400000011")
    rui, bo = site.person(READER, "applicant"), site.person("bo", "approver")
    batch = apply_via_api(rui, ["3400000011"])
    approve = open_task(site, "approve", batch)
    site.services.inbox.claim(approve.id, Actor("cai", frozenset({"approver"})))
    page = bo.get(f"/tasks/{approve.id}")
    assert page.status_code == 200 and b'data-testid="blocked"' in page.data and b"cai" in page.data
    assert b'data-testid="approve"' not in page.data  # no send button
    before = snapshot(site)
    assert bo.post_form(f"/tasks/{approve.id}", {"opinion": "ok", "decision": "approve"}).status_code == 409
    api = bo.post_json(f"/api/tasks/{approve.id}/complete", {"opinion": "ok", "decision": "approve"})
    assert api.status_code == 409 and "claimed by cai" in api.json["error"]
    assert snapshot(site) == before
    detail = bo.get(f"/api/tasks/{approve.id}").json
    assert (detail["may_complete"], detail["claimed_by"]) == (False, "cai")


def test_an_unclaimed_task_is_completed_by_whoever_holds_its_role(site: Site) -> None:
    owing(site, "3400000011")
    rui, bo = site.person(READER, "applicant"), site.person("bo", "approver")
    batch = apply_via_api(rui, ["3400000011"])
    approve = open_task(site, "approve", batch)
    assert bo.get(f"/api/tasks/{approve.id}").json["may_complete"] is True
    assert bo.post_form(f"/tasks/{approve.id}", {"opinion": "ok", "decision": "approve"}).status_code == 302
    with site.services.db.reading() as session:
        done = session.execute(select(HistoryEvent).where(HistoryEvent.type == "task.completed",
                                                          HistoryEvent.element_id == "approve")).scalar_one()
    assert done.actor == "bo"


def test_pages_refuse_the_wrong_role_a_missing_token_and_unknown_tasks(site: Site) -> None:
    owing(site, "3400000011")
    rui, erin = site.person(READER, "applicant"), site.person("erin", "executor")
    task_id = start_application(rui)
    before = snapshot(site)
    assert erin.get(f"/tasks/{task_id}").status_code == 403
    assert erin.post_form(f"/tasks/{task_id}", {"customers": "3400000011", "reason": "x",
                                                "planned_date": "2026-03-02"}).status_code == 403
    no_token = rui.post_form(f"/tasks/{task_id}", {"customers": "3400000011", "reason": "x",
                                                   "planned_date": "2026-03-02"}, csrf=False)
    assert no_token.status_code == 400 and "安全令牌".encode() in no_token.data
    assert rui.post_form("/disconnections/new", csrf=False).status_code == 400
    for unknown in ("00000000-0000-0000-0000-000000000000", "not-a-task"):
        page = rui.get(f"/tasks/{unknown}")
        assert page.status_code == 404 and b'data-testid="error-page"' in page.data
        assert rui.post_form(f"/tasks/{unknown}", {}).status_code == 404
    assert rui.post_form(f"/tasks/{task_id}", {"action": "delete-everything"}).status_code == 400
    assert snapshot(site) == before
    assert site.anonymous().get(f"/tasks/{task_id}").status_code == 302  # to the sign-in page


def test_the_task_api_shows_the_form_its_context_and_the_data(site: Site) -> None:
    owing(site, "3400000011")
    rui, erin = site.person(READER, "applicant"), site.person("erin", "executor")
    batch = apply_via_api(rui, ["3400000011"])
    approve_via_api(site, site.person("bo", "approver"), batch)
    issue = open_task(site, "issue", batch)
    detail = erin.get(f"/api/tasks/{issue.id}")
    assert detail.status_code == 200
    body = detail.json
    assert (body["element_id"], body["lane"], body["form"]["id"]) == ("issue", "executor", "disconnection.issue")
    assert body["process"] == {"id": "disconnect", "name": "Disconnection for arrears"}
    assert body["instance"]["id"] == batch and body["may_complete"] is True
    assert body["data"]["customers"] == ["3400000011"] and body["data"]["reason"] == "arrears over 60 days"
    assert [c["number"] for c in body["context"]["customers"]] == ["3400000011"]
    assert body["context"]["paid_now"] == [] and set(body["form"]["fields"]) == {"keep", "cancel"}
    assert rui.get(f"/api/tasks/{issue.id}").status_code == 403


def test_the_check_api_returns_the_reader_warning_and_changes_nothing(site: Site) -> None:
    owing(site, "3400000011")
    ann = site.person("ann", "applicant")
    task_id = ann.post_json("/api/disconnections", {}).json["task_id"]
    before = snapshot(site)
    body = {"customers": ["3400000011"], "reason": "arrears", "planned_date": "2026-03-02"}
    checked = ann.post_json(f"/api/tasks/{task_id}/check", body)
    assert checked.status_code == 200 and checked.json["ok"] is True
    assert checked.json["warnings"] == ["3400000011: segment S01 belongs to reader-rui"]
    invalid = ann.post_json(f"/api/tasks/{task_id}/check", {**body, "reason": ""})
    assert invalid.status_code == 200 and invalid.json["ok"] is False and "reason" in invalid.json["errors"]
    assert snapshot(site) == before
    sent = ann.post_json(f"/api/tasks/{task_id}/complete", body)  # a warning is no refusal
    assert sent.status_code == 200 and sent.json["completed"] == task_id and sent.json["next_tasks"] == []
    assert open_elements(site) == ["approve"]


def test_the_complete_api_answers_422_per_field_and_changes_nothing(site: Site) -> None:
    owing(site, "3400000011")
    rui = site.person(READER, "applicant")
    task_id = rui.post_json("/api/disconnections", {}).json["task_id"]
    before = snapshot(site)
    refused = rui.post_json(f"/api/tasks/{task_id}/complete", {"customers": "3400000011", "reason": " "})
    assert refused.status_code == 422
    assert set(refused.json["errors"]) == {"customers", "reason", "planned_date"}
    assert snapshot(site) == before


def test_every_task_api_refuses_bad_calls_with_a_clear_4xx_and_changes_nothing(site: Site) -> None:
    owing(site, "3400000011")
    rui, erin = site.person(READER, "applicant"), site.person("erin", "executor")
    task_id = rui.post_json("/api/disconnections", {}).json["task_id"]
    body = {"customers": ["3400000011"], "reason": "arrears", "planned_date": "2026-03-02"}
    unknown = "00000000-0000-0000-0000-000000000000"
    before = snapshot(site)
    for url in (f"/api/tasks/{task_id}/complete", f"/api/tasks/{task_id}/check"):
        assert erin.post_json(url, body).status_code == 403
        no_token = rui.post_json(url, body, csrf=False)
        assert no_token.status_code == 400 and no_token.json["error"]
        for raw in (b"{not json", b"[1, 2]"):
            malformed = rui.post_raw(url, raw)
            assert malformed.status_code == 400 and "JSON" in malformed.json["error"]
        for missing in (unknown, "not-a-task"):
            gone = rui.post_json(url.replace(task_id, missing), body)
            assert gone.status_code == 404 and gone.json["error"]
    assert erin.get(f"/api/tasks/{task_id}").status_code == 403
    assert rui.get(f"/api/tasks/{unknown}").status_code == 404
    assert erin.post_json("/api/disconnections", {}).status_code == 403
    assert rui.post_json("/api/disconnections", {}, csrf=False).status_code == 400
    assert rui.post_raw("/api/disconnections", b"{oops").status_code == 400
    assert rui.post_json("/api/disconnections", {"customers": ["3400000011"]}).status_code == 400
    assert site.anonymous().post_json(f"/api/tasks/{task_id}/complete", body, csrf=False).status_code in (400, 401)
    assert snapshot(site) == before


def test_a_suspended_instance_s_task_cannot_be_completed(site: Site) -> None:
    owing(site, "3400000011")
    rui = site.person(READER, "applicant")
    started = rui.post_json("/api/disconnections", {}).json
    site.services.runtime.suspend(started["instance_id"], "audit", Actor("sam", frozenset({"sysadmin"})))
    page = rui.get(f"/tasks/{started['task_id']}")
    assert page.status_code == 200 and b'data-testid="blocked"' in page.data
    body = {"customers": ["3400000011"], "reason": "arrears", "planned_date": "2026-03-02"}
    assert rui.post_json(f"/api/tasks/{started['task_id']}/complete", body).status_code == 409


def test_every_label_of_the_task_forms_has_its_chinese() -> None:
    import re

    from app.config import PROJECT_ROOT
    from app.web.instance_common import ATTRIBUTE_LABELS
    from app.web.task_form_registry import FIELD_LABELS, HOW_LABELS, OUTCOME_LABELS
    from tests.web.catalog_support import chinese

    web = PROJECT_ROOT / "app" / "web"
    sources = [*sorted((web / "templates" / "task_forms").glob("*.html")), *sorted(web.glob("task_form*.py"))]
    literal = re.compile(r"""_\(\s*(?:"((?:[^"\\]|\\.)*)"|'((?:[^'\\]|\\.)*)')\s*\)""")
    used = {m.group(1) or m.group(2) for path in sources for m in literal.finditer(path.read_text())}
    used |= {*FIELD_LABELS.values(), *OUTCOME_LABELS.values(), *ATTRIBUTE_LABELS.values(), *HOW_LABELS.values()}
    used |= {form.confirm for form in FORMS.values() if form.confirm}
    for path in BPMN_DIR.glob("*.bpmn"):  # the diagrams' process and user-task names, and instructions
        tree = etree.parse(str(path))
        used |= {p.get("name") for p in tree.findall(".//bpmn:process", NS)}
        used |= {t.get("name") for t in tree.findall(".//bpmn:userTask", NS)}
        used |= {i.text for i in tree.findall(".//spiffworkflow:instructionsForEndUser", NS)}
    assert len(used) > 100
    assert sorted(label for label in used if label not in chinese()) == []


def test_the_task_api_is_described_in_the_openapi_document(site: Site) -> None:
    paths = site.anonymous().get("/api/openapi.json").json["paths"]
    for path, method in (("/api/tasks/{task_id}", "get"), ("/api/tasks/{task_id}/check", "post"),
                         ("/api/tasks/{task_id}/complete", "post"), ("/api/disconnections", "post")):
        assert method in paths[path]
