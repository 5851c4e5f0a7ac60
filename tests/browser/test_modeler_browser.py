"""The analysts' modeler in Chromium (issue 12 items 2 and 3): a draft of ``reconnect`` edited in the
properties panel — the loop's maximum, the retry wait, a user task's validator and due time, a lane's
role — is saved with exactly those changes; a bad draft's problems are listed, marked and selectable,
and the browser lint flags the same elements as the server's check. Drafts are opened and read through
the workbench's JSON API (``/api/processes/<id>/drafts``, ``/api/drafts/<id>``)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from lxml import etree
from playwright.sync_api import Page, expect

from app.runtime.deployment.bpmn_source import BPMN_NS, NSMAP, SPIFF_NS
from tests.browser.conftest import LiveSite, screenshot

BUNDLE = Path(__file__).resolve().parents[2] / "app" / "web" / "static" / "build" / "modeler.js"
RECONNECT = (Path(__file__).resolve().parents[2] / "bpmn" / "reconnect.bpmn").read_text(encoding="utf-8")
# The shipped reconnect.bpmn draws its lanes (系统, 执行人), each carrying its role as a property.
LANE_ROLE = '<spiffworkflow:property name="role" value="executor" />'


@pytest.fixture(autouse=True)
def _bundle_built() -> None:
    assert BUNDLE.is_file(), "the modeler is not built: run `make modeler` (make install/run/test do)"


def token(page: Page) -> dict[str, str]:
    return {"X-CSRFToken": page.evaluate("document.querySelector('meta[name=csrf-token]').content")}


def new_draft(page: Page, process_id: str = "reconnect", files: dict[str, str] | None = None) -> int:
    """A draft of the process's running version opened by the page's person, its files replaced when given."""
    opened = page.request.post(f"/api/processes/{process_id}/drafts", data={"title": "browser test"},
                               headers=token(page))
    assert opened.status == 201, opened.text()
    draft_id = int(opened.json()["draft_id"])
    if files is not None:
        saved = page.request.put(f"/api/drafts/{draft_id}", data={"files": files, "base_revision": 1},
                                 headers=token(page))
        assert saved.status == 200, saved.text()
    return draft_id


def open_draft(live: LiveSite, files: dict[str, str] | None, username: str = "ana", *roles: str,
               width: int = 1280, lang: str = "en", process_id: str = "reconnect") -> tuple[Page, int]:
    page = live.signed_in(username, *(roles or ("analyst",)), width=width)
    draft_id = new_draft(page, process_id, files)
    page.goto(f"/processes/{process_id}/drafts/{draft_id}?lang={lang}")
    expect(page.locator("[data-testid=canvas] .djs-element").first).to_be_visible()
    expect(page.get_by_test_id("revision")).to_contain_text(re.compile(r"\d"))  # the draft is read
    return page, draft_id


def select(page: Page, element_id: str) -> None:
    assert page.evaluate("id => window.relayflowSelect(id)", element_id)
    expect(page.locator(".bio-properties-panel-header-label")).to_contain_text(
        page.evaluate("id => window.relayflowModeler.get('elementRegistry').get(id).businessObject.name || ''",
                      element_id))


def entry(page: Page, entry_id: str, tag: str = "input") -> Any:
    group = page.locator("[data-group-id=group-relayflow]")
    if group.locator(".bio-properties-panel-group-entries.open").count() == 0:
        group.locator(".bio-properties-panel-group-header").click()
    return page.locator(f"[data-entry-id={entry_id}] {tag}")


def saved_xml(page: Page, draft_id: int) -> etree._Element:
    answer = page.request.get(f"/api/drafts/{draft_id}").json()
    return etree.fromstring(answer["files"]["reconnect.bpmn"].encode())


def spiff(root: etree._Element) -> list[tuple[str, dict[str, str], str]]:
    return [(etree.QName(node).localname, dict(node.attrib), (node.text or "").strip())
            for node in root.iter(f"{{{SPIFF_NS}}}*")]


def bpmn_attributes(root: etree._Element) -> dict[str, dict[str, str]]:
    """Every BPMN element with an id: its attributes."""
    return {str(node.get("id")): dict(node.attrib) for node in root.iter(f"{{{BPMN_NS}}}*") if node.get("id")}


def save(page: Page) -> None:
    page.get_by_test_id("save").click()
    expect(page.get_by_test_id("modeler-message")).to_contain_text("Saved as revision")


def test_loop_maximum_and_retry_wait_set_in_the_panel_are_saved_and_nothing_else(live: LiveSite) -> None:
    page, draft_id = open_draft(live, None)
    select(page, "attempts")
    maximum = entry(page, "relayflow-loop-maximum")
    expect(maximum).to_have_value("3")
    maximum.fill("4")
    select(page, "retry_wait")
    wait = entry(page, "relayflow-timer")
    expect(wait).to_have_value("PT2H")  # shown unquoted; written quoted
    wait.fill("PT45M")
    expect(page.get_by_test_id("unsaved")).to_be_visible()
    screenshot(page, "modeler")
    save(page)
    expect(page.get_by_test_id("modeler-message")).to_contain_text("Saved as revision 2. The check found no problem.")
    expect(page.get_by_test_id("unsaved")).to_be_hidden()

    before, after = etree.fromstring(RECONNECT.encode()), saved_xml(page, draft_id)
    loops = after.findall(".//bpmn:standardLoopCharacteristics", NSMAP)
    assert [loop.get("loopMaximum") for loop in loops] == ["4"]
    timers = {node.getparent().get("id"): node.text for node in after.iterfind(".//bpmn:timeDuration", NSMAP)}
    assert timers == {"retry_wait_timer": '"PT45M"', "result_timeout_timer": '"PT30M"'}
    assert spiff(after) == spiff(before)  # operators, parameters, properties, scripts: untouched
    assert bpmn_attributes(after) == bpmn_attributes(before)  # the loop's maximum is on an element without id


def test_a_user_tasks_validator_and_due_time_and_a_lanes_role_are_chosen_in_the_panel(live: LiveSite) -> None:
    page, draft_id = open_draft(live, None)
    select(page, "on_site")
    validator = entry(page, "relayflow-validator", "select")
    expect(validator).to_have_value("reconnection.on_site")
    validator.select_option("disconnection.manual_entry")
    entry(page, "relayflow-due-in").fill("PT8H")
    expect(page.locator("[data-entry-id=relayflow-due-in]")).not_to_contain_text("not an ISO-8601")
    select(page, "lane_executor")
    entry(page, "relayflow-lane-role", "select").select_option("approver")
    save(page)

    after = saved_xml(page, draft_id)
    on_site = after.xpath("//*[@id='on_site']//spiffworkflow:property", namespaces=NSMAP)
    assert {node.get("name"): node.get("value") for node in on_site} == {
        "validator": "disconnection.manual_entry", "due_in": "PT8H", "offer_to": "customer.get('reader')"}
    lane = after.xpath("//*[@id='lane_executor']//spiffworkflow:property", namespaces=NSMAP)
    assert [(node.get("name"), node.get("value")) for node in lane] == [("role", "approver")]


def test_a_bad_due_time_is_refused_in_the_panel_and_not_written(live: LiveSite) -> None:
    page, draft_id = open_draft(live, None)
    select(page, "on_site")
    entry(page, "relayflow-due-in").fill("4 hours")
    expect(page.locator("[data-entry-id=relayflow-due-in]")).to_contain_text("not an ISO-8601 duration")
    save(page)
    due = saved_xml(page, draft_id).xpath("//*[@id='on_site']//spiffworkflow:property[@name='due_in']",
                                          namespaces=NSMAP)
    assert due[0].get("value") == "PT4H"


BAD = (RECONNECT.replace(LANE_ROLE, LANE_ROLE.replace('"executor"', '"nobody"'))
       .replace('id="headend.expire_command"', 'id="headend.expire_everything"')
       .replace('<bpmn:timeDuration>"PT2H"</bpmn:timeDuration>', "<bpmn:timeDuration>2 hours</bpmn:timeDuration>")
       .replace('name="validator" value="reconnection.on_site"', 'name="validator" value="reconnection.nowhere"'))


def test_a_bad_drafts_problems_are_listed_marked_and_selectable(live: LiveSite) -> None:
    assert BAD.count("nobody") == 1 and "expire_everything" in BAD and "2 hours" in BAD and "nowhere" in BAD
    page, draft_id = open_draft(live, {"reconnect.bpmn": BAD})
    server = page.request.get(f"/api/drafts/{draft_id}").json()["revision"]["problems"]
    problems = page.get_by_test_id("problems")
    expect(problems.locator("tbody tr")).to_have_count(len(server))
    expect(problems).to_contain_text("has the role 'nobody', which is not a role")
    row = problems.locator("tr[data-element-id=expire_command]")
    expect(row).to_contain_text("Expire the command")
    line = next(problem["line"] for problem in server if problem["element_id"] == "expire_command")
    expect(row.locator("td").nth(2)).to_have_text(str(line))
    expect(page.locator(".djs-element.rf-problem[data-element-id=lane_executor]")).to_have_count(1)
    expect(problems.locator("tr[data-element-id=retry_wait_timer] td").nth(1)).to_have_text("Wait 2 hours (M5.2)")
    row.click()  # inside the collapsed subprocess: the modeler opens it and selects the task
    assert page.evaluate("window.relayflowModeler.get('selection').get().map(e => e.id)") == ["expire_command"]
    expect(page.locator(".bio-properties-panel-header-label")).to_have_text("Expire the command")

    # the browser lint flags the same elements as the server's check (a timer definition's id is its event's)
    lint = page.get_by_test_id("lint-problems")
    expect(lint.locator("tbody tr").first).to_be_visible()
    browser_ids = set(lint.locator("tbody tr.problem-error").evaluate_all("rows => rows.map(r => r.dataset.elementId)"))
    server_ids = {page.evaluate("""id => { const m = window.relayflowModeler, r = m.get('elementRegistry');
        if (r.get(id)) return id;
        return r.find(e => (e.businessObject.eventDefinitions || []).some(d => d.id === id)).id; }""",
                                problem["element_id"]) for problem in server}
    assert server_ids == {"lane_executor", "expire_command", "retry_wait", "on_site"}
    assert browser_ids == server_ids
    screenshot(page, "modeler-problems")


def test_a_save_refused_for_the_role_says_so_and_someone_elses_save_offers_a_reload(live: LiveSite) -> None:
    page, draft_id = open_draft(live, None)
    refusal = {"error": "This needs the role: Analyst"}
    page.route(f"**/api/drafts/{draft_id}", lambda route: route.fulfill(status=403, json=refusal)
               if route.request.method == "PUT" else route.continue_())
    select(page, "attempts")
    entry(page, "relayflow-loop-maximum").fill("5")
    page.get_by_test_id("save").click()
    expect(page.get_by_test_id("modeler-message")).to_contain_text(
        "You may not save this draft. This needs the role: Analyst")
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.type), dialog.dismiss()))
    page.close(run_before_unload=True)  # the refused change is still unsaved: leaving asks first
    page.wait_for_event("dialog") if not dialogs else None
    assert dialogs == ["beforeunload"] and not page.is_closed()
    page.unroute(f"**/api/drafts/{draft_id}")

    bob = live.signed_in("bob", "analyst")
    bob.goto("/processes")
    theirs = bob.request.put(f"/api/drafts/{draft_id}", data={"files": {"reconnect.bpmn": RECONNECT},
                                                               "base_revision": 1}, headers=token(bob))
    assert theirs.status == 200, theirs.text()
    page.get_by_test_id("save").click()
    expect(page.get_by_test_id("modeler-message")).to_contain_text("Someone else saved this draft")
    page.get_by_test_id("reload").click()
    expect(page.get_by_test_id("revision")).to_contain_text("Revision 2, saved by bob")


def test_anyone_else_sees_the_draft_read_only(live: LiveSite) -> None:
    analyst = live.signed_in("ana", "analyst")
    draft_id = new_draft(analyst, files={"reconnect.bpmn": BAD})
    page = live.signed_in("sam", "sysadmin", lang="zh")
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    page.goto(f"/processes/reconnect/drafts/{draft_id}")
    expect(page.locator("[data-testid=canvas] .djs-element[data-element-id=attempts]")).to_be_visible()
    expect(page.get_by_test_id("read-only")).to_be_visible()
    expect(page.get_by_test_id("save")).to_have_count(0)
    expect(page.get_by_test_id("properties-panel")).to_have_count(0)
    expect(page.get_by_test_id("problems").locator("tbody tr")).to_have_count(4)
    assert all(url.startswith(live.base_url) for url in requests), "the modeler is served by the app itself"


@pytest.mark.parametrize("width", [768])
def test_the_modeler_fits_a_tablet_and_speaks_chinese(live: LiveSite, width: int) -> None:
    page, _ = open_draft(live, None, width=width, lang="zh")
    expect(page.get_by_test_id("properties-panel")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    select(page, "attempts")
    expect(page.locator("[data-group-id=group-relayflow]")).to_contain_text("relayflow 属性")
    entry(page, "relayflow-loop-maximum").fill("0")
    expect(page.locator("[data-entry-id=relayflow-loop-maximum]")).to_contain_text("最大循环次数")
    expect(page.locator("[data-entry-id=relayflow-loop-maximum]")).to_contain_text("is not a positive whole number")


def test_the_browser_lint_flags_a_batch_limit_that_is_no_positive_number(live: LiveSite) -> None:
    shipped = Path(__file__).resolve().parents[2] / "bpmn"
    disconnect = (shipped / "disconnect.bpmn").read_text(encoding="utf-8")
    bad = disconnect.replace('name="max_customers" value="500"', 'name="max_customers" value="0"')
    assert bad != disconnect
    child = (shipped / "disconnect_customer.bpmn").read_text(encoding="utf-8")
    bad_child = child.replace('id="disconnection.still_owes"', 'id="disconnection.owes_maybe"')
    assert bad_child != child
    page, _ = open_draft(live, {"disconnect.bpmn": bad, "disconnect_customer.bpmn": bad_child},
                         process_id="disconnect")
    expect(page.get_by_test_id("file")).to_be_visible()  # the bundle's two files, edited together
    expect(page.get_by_test_id("file")).to_have_value("disconnect.bpmn")
    lint = page.get_by_test_id("lint-problems")
    expect(lint.locator("tr[data-element-id=apply]")).to_contain_text(
        'max_customers "0" is not a positive whole number')
    # the server's problem in the other file: clicking it opens that file and selects the task
    problem = page.get_by_test_id("problems").locator("tr[data-element-id=check_owes]")
    expect(problem).to_contain_text("disconnect_customer.bpmn · check_owes")
    problem.click()
    expect(page.get_by_test_id("file")).to_have_value("disconnect_customer.bpmn")
    expect(page.locator(".bio-properties-panel-header-label")).to_have_text("Still owes?")


def test_a_clean_draft_is_proposed_with_a_comment_and_one_with_errors_is_not(live: LiveSite) -> None:
    page, draft_id = open_draft(live, None)
    page.get_by_test_id("propose-form").locator("input[name=comment]").fill("Four sends, 45 minutes apart")
    page.get_by_test_id("propose").click()
    expect(page.get_by_test_id("modeler-message")).to_contain_text("Proposed for approval.")
    assert page.request.get(f"/api/drafts/{draft_id}").json()["status"] == "proposed"

    bad_id = new_draft(page, files={"reconnect.bpmn": BAD})
    page.goto(f"/processes/reconnect/drafts/{bad_id}?lang=en")
    expect(page.get_by_test_id("problems").locator("tbody tr")).to_have_count(4)
    select(page, "attempts")
    entry(page, "relayflow-loop-maximum").fill("4")
    expect(page.get_by_test_id("propose")).to_be_disabled()  # unsaved changes: save first
    save(page)
    expect(page.get_by_test_id("modeler-message")).to_contain_text("with 4 problem(s) listed below")
    page.get_by_test_id("propose-form").locator("input[name=comment]").fill("Please")
    page.get_by_test_id("propose").click()
    expect(page.get_by_test_id("modeler-message")).to_contain_text("A draft with errors cannot be proposed")
    assert page.request.get(f"/api/drafts/{bad_id}").json()["status"] != "proposed"


def test_operator_parameters_condition_and_correlation_are_edited_in_the_panel(live: LiveSite) -> None:
    page, draft_id = open_draft(live, None)
    select(page, "tell_reader")
    operator = entry(page, "relayflow-operator", "select")
    expect(page.locator("[data-entry-id=relayflow-operator]")).to_contain_text("to their segment's meter reader")
    operator.select_option("sms.notify_customer")  # the same parameters: their expressions are kept
    expect(page.locator("[data-entry-id=relayflow-parameter-values]")).to_contain_text("optional (default None)")
    select(page, "send_command")
    entry(page, "relayflow-parameter-validity_minutes").fill("20")
    select(page, "f_succeeded")
    entry(page, "relayflow-condition").fill("reconnected and sends <= 4")
    select(page, "await_result")
    expect(entry(page, "relayflow-message", "select")).to_have_value("msg_headend_result")
    entry(page, "relayflow-correlation-expression").fill("command['command_id']")
    save(page)
    expect(page.get_by_test_id("modeler-message")).to_contain_text("The check found no problem.")

    after = saved_xml(page, draft_id)
    operator_node = after.xpath("//*[@id='tell_reader']//spiffworkflow:serviceTaskOperator", namespaces=NSMAP)[0]
    assert operator_node.get("id") == "sms.notify_customer"
    assert [p.get("id") for p in operator_node.iterfind(".//spiffworkflow:parameter", NSMAP)] == [
        "customer_number", "notice", "values"]
    validity = after.xpath("//*[@id='send_command']//spiffworkflow:parameter[@id='validity_minutes']", namespaces=NSMAP)
    assert (validity[0].get("value"), validity[0].get("type")) == ("20", "int")
    assert after.xpath("//*[@id='f_succeeded']/bpmn:conditionExpression/text()", namespaces=NSMAP) == [
        "reconnected and sends <= 4"]
    assert after.xpath("//*[@id='await_result']//spiffworkflow:expression/text()", namespaces=NSMAP) == [
        "command['command_id']"]
