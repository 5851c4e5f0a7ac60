"""Issue 12 item 2, from the properties panel to the engine: values an analyst sets in the panel are
saved, proposed, approved by a system administrator, deployed — and the engine then behaves by them.
reconnect: the loop maximum 3 → 4 and the retry wait PT2H → PT45M (M5.2) make a failing
reconnection send 4 times, 45 minutes after each failure (the simulator fails a command in minutes);
the send's ``validity_minutes`` parameter 30 → 20 gives each command 20 minutes; the failure
notice's operator, changed in its select, is the one the engine calls (and it refuses the reader's
notice, so the incident says so).
disconnect: the application's ``max_customers`` 500 → 2 and ``due_in`` P1D → PT8H (M4.1) refuse a
batch of 3 and make the application due 8 hours after it opens."""

from __future__ import annotations

from datetime import timedelta

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from app.runtime.actors import Actor
from app.runtime.forms import FormInvalid
from storage.models import HistoryEvent, UserTask
from tests.browser.conftest import LiveSite
from tests.browser.test_modeler_browser import entry, open_draft, save, token
from tests.browser.test_modeler_browser import select as select_element
from tests.web.instances_support import reconnection
from tests.web.task_forms_support import owing
from tests.workflow.test_reconnect import commands, gaps_between

APPLICANT = Actor("reader-rui", frozenset({"applicant"}))


def propose_and_approve(live: LiveSite, page: Page, process_id: str) -> None:
    page.get_by_test_id("propose-form").locator("input[name=comment]").fill("set in the panel")
    page.get_by_test_id("propose").click()
    expect(page.get_by_test_id("modeler-message")).to_contain_text("Proposed for approval.")
    sam = live.signed_in("sam", "sysadmin")
    [proposal] = [p for process in sam.request.get("/api/processes").json() if process["process_id"] == process_id
                  for p in process["proposals"] if p["status"] == "proposed"]
    approved = sam.request.post(f"/api/proposals/{proposal['proposal_id']}/approve", data={}, headers=token(sam))
    assert approved.status == 200, approved.text()
    assert approved.json()["versions"][process_id] == 2


def test_the_loop_maximum_retry_wait_a_parameter_and_an_operator_set_in_the_panel_drive_the_sends(
        live: LiveSite) -> None:
    page, _ = open_draft(live, None)
    select_element(page, "attempts")
    entry(page, "relayflow-loop-maximum").fill("4")
    select_element(page, "retry_wait")
    entry(page, "relayflow-timer").fill("PT45M")
    select_element(page, "send_command")
    entry(page, "relayflow-parameter-validity_minutes").fill("20")
    select_element(page, "tell_reader")  # the reader's failure SMS handed to the customer's operator
    entry(page, "relayflow-operator", "select").select_option("sms.notify_customer")
    save(page)
    propose_and_approve(live, page, "reconnect")

    reconnection(live, "3400000201", behaviour="fails")
    live.utility.advance(timedelta(hours=6), step=timedelta(minutes=5))
    sends = commands(live.utility, "3400000201")
    assert len(sends) == 4
    assert all(timedelta(minutes=45) < gap <= timedelta(minutes=60) for gap in gaps_between(sends))
    assert {command.deadline - command.created_at for command in sends} == {timedelta(minutes=20)}
    with live.services.db.reading() as session:
        called = session.execute(select(HistoryEvent.data).where(
            HistoryEvent.type.in_(["service.called", "service.failed"]), HistoryEvent.element_id == "tell_reader")
        ).scalars().all()
    # the engine calls the operator the panel chose, which refuses the reader's notice: an incident
    # names it (the deploy's check cannot know a parameter's value is wrong for an operator)
    assert [(data["operator"], "'reconnect_failed_reader' is not a customer notice" in data["error"])
            for data in called] == [("sms.notify_customer", True)]


def test_the_batch_limit_and_due_time_set_in_the_panel_bind_the_application(live: LiveSite) -> None:
    page, _ = open_draft(live, None, process_id="disconnect")
    select_element(page, "apply")
    entry(page, "relayflow-max-customers").fill("2")
    entry(page, "relayflow-due-in").fill("PT8H")  # at once: the second field is kept while the first writes
    save(page)
    propose_and_approve(live, page, "disconnect")

    owing(live, "3400000011", "3400000012", "3400000013")
    runtime = live.services.runtime
    runtime.start("disconnect", {}, APPLICANT)
    with live.services.db.reading() as session:
        apply = session.execute(select(UserTask).where(UserTask.element_id == "apply")).scalar_one()
    assert apply.due_at - apply.created_at == timedelta(hours=8)
    with pytest.raises(FormInvalid, match="at most 2 customers in one application; this one has 3"):
        runtime.complete_task(str(apply.id), {"customers": ["3400000011", "3400000012", "3400000013"],
                                              "reason": "arrears", "planned_date": "2026-03-02"}, APPLICANT)


def test_a_condition_set_in_the_panel_routes_the_next_case(live: LiveSite) -> None:
    """M1.2's branch, narrowed by the analyst: flagged customers of segment S01 go to the on-site order."""
    page, _ = open_draft(live, None)
    select_element(page, "f_flagged")
    entry(page, "relayflow-condition").fill("customer['auto'] and customer['segment'] != 'S01'")
    save(page)
    propose_and_approve(live, page, "reconnect")

    instance_id = reconnection(live, "3400000301", behaviour="succeeds")  # flagged, of S01
    assert commands(live.utility, "3400000301") == []
    with live.services.db.reading() as session:
        waiting = session.execute(select(UserTask.element_id).where(UserTask.instance_id == instance_id)).scalars()
        assert list(waiting) == ["on_site"]


def test_a_correlation_set_in_the_panel_is_what_the_head_ends_results_are_matched_by(live: LiveSite) -> None:
    """A correlation that names no command: the head-end's results match nothing, so every send waits
    out its 30 minutes and the case goes on as if the head-end never answered (M5.2)."""
    page, _ = open_draft(live, None)
    select_element(page, "await_result")
    entry(page, "relayflow-correlation-expression").fill("'no such command'")
    save(page)
    propose_and_approve(live, page, "reconnect")

    reconnection(live, "3400000401", behaviour="succeeds")
    live.utility.advance(timedelta(hours=6), step=timedelta(minutes=5))
    assert len(commands(live.utility, "3400000401")) == 3  # the relay closed each time; nobody was told
    assert live.utility.customer("3400000401").power_status == "disconnected"
