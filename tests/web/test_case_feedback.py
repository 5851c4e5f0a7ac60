"""Success messages that say what happened (issue 13 item 5): after each step the operator reads
which case it was (batch or work order, customers by number and name), what was done and what
happens next — as the engine's state after the step has it — with a link to the case. Claiming
a task opens it. The real diagrams, on SQLite and PostgreSQL, in Chinese (the default)."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select
from werkzeug.test import TestResponse

from app.usecases.reconnections import run_patrol
from app.web.case_outcome import next_steps
from app.web.formatting import beijing_time
from storage.domain_models import Reconnection
from tests.utility import seed_customer
from tests.web.conftest import Person, Site
from tests.web.instances_support import reconnection
from tests.web.task_forms_support import READER, apply_via_api, approve_via_api, customer, open_task, owing

FLASH = re.compile(r'<div class="flash success" role="status">(.*?)</div>', re.S)
LINK = re.compile(r'<a href="([^"]+)" data-testid="case-link">')


def said(person: Person, response: TestResponse) -> tuple[str, str]:
    """The success message the redirect's page shows (its text) and the case link in it."""
    assert response.status_code in (302, 303), response.data
    page = person.get(response.headers["Location"]).data.decode()
    [message] = FLASH.findall(page)
    [link] = LINK.findall(message)
    return re.sub(r"<[^>]+>", "", message).strip(), link


def test_sending_an_application_names_the_batch_its_customers_and_the_approval_waiting(site: Site) -> None:
    """M4.1 → M4.2: the application goes to the approvers' lane."""
    owing(site, "3400000011", "3400000012", "3400000013", "3400000014")
    rui = site.person(READER, "applicant")
    started = rui.post_form("/disconnections/new")
    task_id = started.headers["Location"].rsplit("/", 1)[1]
    batch = open_task(site, "apply").instance_id
    text, _ = said(rui, started)  # a draft: its author's form is what waits
    assert text.startswith(f"批次 #{batch}：申请已创建。接下来：「停电申请」等待申请人（抄表员）办理。")
    sent = rui.post_form(f"/tasks/{task_id}", {"customers": ["3400000011", "3400000012", "3400000013", "3400000014"],
                                               "reason": "arrears over 60 days", "planned_date": "2026-03-02",
                                               "action": "send"})
    text, link = said(rui, sent)
    assert text.startswith(f"批次 #{batch}，共 4 户（3400000011 Customer 3400000011、3400000012 Customer 3400000012、"
                           "3400000013 Customer 3400000013…）：「停电申请」已完成。")
    assert "接下来：「停电审批」等待审批人办理。" in text
    assert link == f"/instances/{batch}" and rui.get(link).status_code == 200


def test_an_approval_names_the_batch_the_notices_queued_and_the_executors_step(site: Site) -> None:
    """M4.2 → M4.3.1 (notice SMS to the subscribed customers) → M4.3.2 (the executor issues)."""
    owing(site, "3400000011", "3400000012")
    rui, bo = site.person(READER, "applicant"), site.person("bo", "approver")
    batch = apply_via_api(rui, ["3400000011", "3400000012"])
    approve = open_task(site, "approve", batch)
    done = bo.post_form(f"/tasks/{approve.id}", {"opinion": "agreed", "decision": "approve"})
    text, link = said(bo, done)
    assert text.startswith(f"批次 #{batch}，共 2 户（3400000011 Customer 3400000011、3400000012 Customer 3400000012）："
                           "「停电审批」已完成。")
    assert "已排队发送 2 条短信" in text and "「下发停电指令」等待执行人办理" in text
    assert link == f"/instances/{batch}"


def test_sending_back_says_the_application_waits_for_the_applicant_again(site: Site) -> None:
    """M4.2: an approver who sends back leaves no SMS queued; the applicant's lane has it again."""
    owing(site, "3400000011")
    rui, bo = site.person(READER, "applicant"), site.person("bo", "approver")
    batch = apply_via_api(rui, ["3400000011"])
    approve = open_task(site, "approve", batch)
    back = bo.post_form(f"/tasks/{approve.id}", {"opinion": "wrong reason", "decision": "send_back"})
    text, _ = said(bo, back)
    assert f"批次 #{batch}，用户 3400000011 Customer 3400000011：「停电审批」已完成。" in text
    assert "「停电申请」等待申请人（抄表员）办理" in text and "短信" not in text


def test_issuing_says_each_customer_s_own_case_runs(site: Site) -> None:
    """M4.3.2: issuing starts one case per customer; the batch waits for them."""
    owing(site, "3400000011", "3400000012")
    rui, bo, erin = site.person(READER, "applicant"), site.person("bo", "approver"), site.person("erin", "executor")
    batch = apply_via_api(rui, ["3400000011", "3400000012"])
    approve_via_api(site, bo, batch)
    issue = open_task(site, "issue", batch)
    site.utility.clock.shift(timedelta(minutes=1))  # the notices went with the approval, a step before
    text, link = said(erin, erin.post_form(f"/tasks/{issue.id}", {}))
    assert f"批次 #{batch}" in text and "「下发停电指令」已完成" in text
    assert "接下来：2 户的单户流程正在进行。" in text and link == f"/instances/{batch}"


def test_the_on_site_reconnection_names_its_work_order_and_customer_and_says_it_is_closed(site: Site) -> None:
    """M5.3 and the manual order (14 + 10 digits): recorded on site, the case closes."""
    seed_customer(site.services, "3400000001")
    site.utility.headend.set_behaviour(customer(site, "3400000001").meter_address, "fails")
    run_patrol(site.services.runtime)
    site.utility.advance(timedelta(hours=6), step=timedelta(minutes=5))
    with site.services.db.reading() as session:
        order = session.execute(select(Reconnection)).scalar_one()
    task = open_task(site, "on_site", order.instance_id)
    reader = site.person("rui-on-site", "executor")
    page = reader.get(f"/tasks/{task.id}").data.decode()
    default = page.split('name="reconnected_at" value="')[1].split('"')[0]
    text, link = said(reader, reader.post_form(f"/tasks/{task.id}", {"reconnected_at": default, "note": "fuse"}))
    assert text.startswith(f"工单 {order.manual_order_no}，用户 3400000001 Customer 3400000001：「现场复电」已完成。")
    assert "流程已办结。" in text and link == f"/instances/{order.instance_id}"


def test_claiming_opens_the_task_and_says_whose_it_is_now(site: Site) -> None:
    owing(site, "3400000011")
    rui, bo = site.person(READER, "applicant"), site.person("bo", "approver")
    batch = apply_via_api(rui, ["3400000011"])
    approve = open_task(site, "approve", batch)
    claimed = bo.post_form(f"/tasks/{approve.id}/claim?tab=groups")
    assert claimed.status_code == 303 and claimed.headers["Location"].endswith(f"/tasks/{approve.id}")
    text, _ = said(bo, claimed)
    assert f"批次 #{batch}，用户 3400000011 Customer 3400000011：已认领「停电审批」，现在由您办理。" in text
    assert "审批人 bo 办理「停电审批」" in text


def test_reassigning_names_the_case_and_who_does_it_next(site: Site) -> None:
    owing(site, "3400000011")
    rui, bo = site.person(READER, "applicant"), site.person("bo", "approver")
    site.person("bea", "approver")
    batch = apply_via_api(rui, ["3400000011"])
    approve = open_task(site, "approve", batch)
    moved = bo.post_form(f"/tasks/{approve.id}/reassign?tab=groups", {"to": "bea"})
    assert moved.status_code == 303 and moved.headers["Location"].endswith("/tasks?tab=groups")
    text, link = said(bo, moved)
    assert f"批次 #{batch}，用户 3400000011 Customer 3400000011：「停电审批」已转派给 bea。" in text
    assert "接下来：审批人 bea 办理「停电审批」。" in text and link == f"/instances/{batch}"


def test_the_message_reads_in_english_for_an_english_reader(site: Site) -> None:
    owing(site, "3400000011")
    rui, bo = site.person(READER, "applicant"), site.person("bo", "approver")
    batch = apply_via_api(rui, ["3400000011"])
    bo.get("/tasks?lang=en")  # the language is kept for the session
    approve = open_task(site, "approve", batch)
    text, _ = said(bo, bo.post_form(f"/tasks/{approve.id}", {"opinion": "agreed", "decision": "approve"}))
    assert text.startswith(f"batch #{batch}, customer 3400000011 Customer 3400000011: ")
    assert "1 SMS queued to send" in text and "Open the case" in text


def test_a_reconnection_says_what_it_waits_for_and_when_its_timers_fall_due(site: Site) -> None:
    """M5.2: a send waits for the head-end's result at most the diagram's 30 minutes; a failed send
    waits 2 hours before the next. What happens next names the timers, their due times (Beijing
    time) and the awaited result — all read from the case's state, none written per step."""
    case = reconnection(site, "3400000101", behaviour="fails")

    def told() -> tuple[str, list[str]]:
        with site.services.db.reading() as session:
            state = site.services.runtime.whats_next(session, case)
        with site.app.test_request_context("/?lang=zh"):
            return next_steps(state), [beijing_time(timer.due, "MM-dd HH:mm") for timer in state.timers]

    text, [timeout] = told()
    zone = "（北京时间）"
    sent_and_waiting = rf"接下来：已排队下发 1 条电表控制命令；「[^」]+」将于 {timeout}{zone}到期；等待「[^」]+」。"
    assert re.fullmatch(sent_and_waiting, text), text
    site.utility.advance(timedelta(minutes=2))  # the simulated head-end reports the failure
    text, [retry] = told()
    assert re.fullmatch(rf"接下来：「[^」]+」将于 {retry}{zone}到期。", text), text
    assert retry != timeout
