"""Chinese everywhere (issue 13, items 2 and 8): every page of the app, read in Chinese, and every
form's refusal, show no English sentence — only ids, numbers, names and the tokens
``latin_text.ALLOWED`` lists. The pages are enumerated from Flask's URL map, so a page added later
is walked too (or must be excluded here, with its reason); the text scanned is what the person
sees (``innerText``: text the page's scripts wrote included, a closed "详情" toggle excluded)."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from flask import Flask
from playwright.sync_api import Page, expect
from sqlalchemy import select

from app.runtime.actors import Actor
from app.usecases.payments import record_payment
from storage.models import Instance, UserTask
from tests.browser.conftest import LiveSite
from tests.browser.latin_text import ALLOWED, english_runs
from tests.utility import NOW
from tests.web.conftest import Person
from tests.web.instances_support import complete, failing_reconnection, reconnection, task_of
from tests.web.task_forms_support import owing
from tests.web.workbench_support import retry_wait, save

EVERYONE = ("applicant", "approver", "executor", "sysadmin", "analyst", "auditor")
# Routes that are not pages an operator reads, each with its reason.
NOT_PAGES = {
    "/static/<path:filename>": "files the pages load",
    "/vendor/bpmn-js/<path:filename>": "the diagram library's files",
    "/healthz": "a machine's health probe (JSON)",
    "/readyz": "a machine's readiness probe (JSON)",
    "/metrics": "Prometheus' text format, for a scraper",
    "/audit/cases/<int:instance_id>/export.json": "a download for the auditors' scripts (JSON)",
    "/audit/verify_case.py": "a download: the auditors' verification script",
    "/reports/<name>.csv": "a download for spreadsheets",
    "/processes/<process_id>/drafts/<draft_id>": "the modeler: bpmn-js's own palette and panels (English only)",
}
# Every diagram viewer on the page has drawn (its fit zoom is set) or said it cannot (static/diagram_viewer.js)
DIAGRAMS_DRAWN = """[...document.querySelectorAll("[data-diagram-box]")].every(box =>
    box.querySelector("[data-fit-zoom]") || box.parentElement.querySelector("[data-diagram-fallback]:not([hidden])"))"""
REFUSAL = ".field-error, .flash.error, [role=alert], .error-box, [data-testid=form-errors], [data-testid$=-error]"
EXECUTOR = Actor("erin", frozenset({"executor"}))
APPLICANT = Actor("reader-rui", frozenset({"applicant"}))
APPROVER = Actor("bo", frozenset({"approver"}))
OTHER_APPLICANT = Actor("ann", frozenset({"applicant"}))  # not the reader of S01: the application warns


def _batch(live: LiveSite, number: str, upto: str, planned_in_days: int = 0, applicant: Actor = APPLICANT) -> int:
    """A batch of one owing customer, taken through the tasks before ``upto`` (apply, approve, issue)."""
    owing(live, number, name="欠费用户", address="淮河路8号")
    batch = live.services.runtime.start("disconnect", {}, applicant)
    steps = [("apply", {"customers": [number], "reason": "欠费超过60天",
                        "planned_date": str(NOW.date() + timedelta(days=planned_in_days))}, applicant),
             ("approve", {"opinion": "同意", "decision": "approve"}, APPROVER),
             ("issue", {"keep": {}, "cancel": []}, EXECUTOR)]
    for element, data, actor in steps:
        if element == upto:
            break
        complete(live, batch, element, data, actor)
    return batch


def _seed(live: LiveSite) -> dict[str, Any]:
    """One case of every kind a page shows: batches at each open task, a batch whose trip failed
    (manual entry), a batch with nothing left to cut, reconnections (done, on site, failing), a
    process draft, a proposal and an approved edit."""
    seeds: dict[str, Any] = {"apply_batch": _batch(live, "3400000021", "apply"),
                             "approve_batch": _batch(live, "3400000022", "approve", applicant=OTHER_APPLICANT),
                             "issue_later_batch": _batch(live, "3400000023", "issue", planned_in_days=3)}
    empty = _batch(live, "3400000024", "issue")
    record_payment(live.services.runtime, {"payment_id": "P-24", "customer_number": "3400000024", "amount": "320",
                                           "paid_at": NOW.isoformat()})
    complete(live, empty, "issue", {"keep": {}, "cancel": ["3400000024"]}, EXECUTOR)
    failing = _batch(live, "3400000025", "issue")
    live.utility.headend.set_behaviour(live.utility.customer("3400000025").meter_address, "fails")
    complete(live, failing, "issue", {"keep": {}, "cancel": []}, EXECUTOR)
    seeds["archive_batch"] = _batch(live, "3400000026", "done")
    live.utility.advance(timedelta(minutes=40))
    seeds["remote"] = reconnection(live, "3400000031", name="用户031", address="淮河路31号")
    seeds["on_site"] = reconnection(live, "3400000032", behaviour="fails", name="用户032", address="淮河路32号")
    seeds["button_press"] = reconnection(live, "3400000033", can_direct_close=False, name="用户033",
                                         address="淮河路33号")  # M1.1.4: straight to on site
    live.utility.advance(timedelta(hours=5), step=timedelta(minutes=5))
    seeds["incident"] = failing_reconnection(live)
    live.utility.run()
    analyst, sysadmin = live.person("ana", "analyst"), live.person("sam", "sysadmin")
    edited = _draft(analyst, "缩短重发间隔", retry_wait("45"))
    edit = analyst.post_json(f"/api/drafts/{edited}/proposals", {"comment": "45 分钟后重发"})
    assert sysadmin.post_json(f"/api/proposals/{edit.json['proposal_id']}/approve", {}).status_code == 200
    seeds["draft"] = _draft(analyst, "再缩短一些", retry_wait("30"))
    proposed = analyst.post_json(f"/api/drafts/{seeds['draft']}/proposals", {"comment": "等待审批"})
    seeds["proposal"] = proposed.json["proposal_id"]
    with live.services.db.reading() as session:
        seeds["tasks"] = {element: task_id for task_id, element in session.execute(
            select(UserTask.id, UserTask.element_id))}
        seeds["instances"] = list(session.execute(select(Instance.id).order_by(Instance.id)).scalars())
    return seeds


def _draft(analyst: Person, title: str, text: str) -> int:
    made = analyst.post_json("/api/processes/reconnect/drafts", {"title": title})
    assert made.status_code == 201, made.json
    draft_id = int(made.json["draft_id"])
    assert save(analyst, draft_id, text, 1).status_code == 200
    return draft_id


def _urls(app: Flask, seeds: dict[str, Any]) -> list[str]:
    """Every page of the URL map, its arguments taken from the seeded cases."""
    args: dict[str, list[str]] = {
        "number": ["3400000022", "3400000032"], "code": ["S01"], "name": [],
        "instance_id": [str(i) for i in seeds["instances"]],
        "process_id": ["disconnect", "disconnect_customer", "reconnect"],
        "version": ["1", "2"], "draft_id": [str(seeds["draft"])], "proposal_id": [str(seeds["proposal"])],
        "task_id": sorted(seeds["tasks"].values()), "run_id": [],
    }
    urls: list[str] = []
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if "GET" not in (rule.methods or set()) or rule.rule.startswith("/api/") or rule.rule in NOT_PAGES:
            continue
        if rule.rule in ("/login", "/"):
            continue  # walked separately: signed out, and once per role
        names = re.findall(r"<(?:[a-z]+:)?([a-z_]+)>", rule.rule)
        filled = [rule.rule]
        for name in names:
            assert name in args, f"{rule.rule}: no seeded value for <{name}> — seed one or exclude the page"
            filled = [re.sub(rf"<(?:[a-z]+:)?{name}>", value, url) for url in filled for value in args[name]]
        if "process_id" in names and "version" in names:
            filled = [url for url in filled if "/disconnect" not in url or url.endswith("/1")]
        urls += filled
    return urls


def _scan(page: Page, where: str, found: dict[str, list[str]]) -> None:
    page.wait_for_function(DIAGRAMS_DRAWN)  # the diagrams' labels are text the person reads too
    text = page.evaluate("document.body.innerText")
    lines = [line.strip()[:200] for line in text.splitlines() if english_runs(line)]
    if lines:
        found[where] = lines  # the whole line, so the failure says where the English is


def _submit_without_browser_checks(page: Page, selector: str) -> None:
    """Click a submit button with the browser's own ``required`` checks off: the server's refusal shows."""
    page.evaluate("document.querySelectorAll('form').forEach(f => f.noValidate = true)")
    page.locator(selector).first.click()
    page.wait_for_load_state()


def _refused(page: Page, where: str, found: dict[str, list[str]]) -> None:
    """The page shows a refusal (a field's error or an error box), and it reads in Chinese."""
    expect(page.locator(REFUSAL).first).to_be_visible()
    _scan(page, where, found)


def test_every_page_and_refusal_reads_in_chinese(live: LiveSite) -> None:
    seeds = _seed(live)
    found: dict[str, list[str]] = {}
    visitor = live.tab()
    visitor.goto("/login?lang=zh")
    _scan(visitor, "/login", found)
    visitor.fill("input[name=username]", "nobody")
    visitor.fill("input[name=password]", "wrong-password")
    visitor.click("button[type=submit]")
    _refused(visitor, "/login (refused)", found)

    for role in EVERYONE:
        page = live.signed_in(f"walker-{role}", role, lang="zh")
        _scan(page, f"/ ({role})", found)
        page.goto("/reports" if role != "auditor" and role != "sysadmin" else "/processes/x1/moves")
        _scan(page, f"forbidden ({role})", found)

    root = live.signed_in("root", *EVERYONE, lang="zh")
    for url in _urls(live.app, seeds):
        root.goto(url)
        _scan(root, url, found)
    root.goto("/processes/reconnect/versions/1")  # the scan reads a diagram's labels once it is drawn
    root.wait_for_function(DIAGRAMS_DRAWN)
    labels = [text for text in root.locator("[data-diagram-box] svg text").all_text_contents() if text.strip()]
    assert labels and all(text in root.evaluate("document.body.innerText") for text in labels[:5])
    for url in ("/processes/reconnect/compare?a=v1&b=v2", "/processes/reconnect/compare?a=v1&b=v9",
                "/instances?page=abc", "/instances?size=100000", "/instances?status=nope",
                "/audit/cases?from=yesterday",
                "/tasks/no-such-task", "/instances/999999", "/customers/0000000000", "/processes/nope"):
        root.goto(url)
        _scan(root, url, found)
    stale = task_of(live, seeds["apply_batch"], "apply")
    complete(live, seeds["apply_batch"], "apply", {"customers": ["3400000021"], "reason": "欠费",
                                                   "planned_date": str(NOW.date())}, APPLICANT)
    root.goto(f"/tasks/{stale}")
    _scan(root, "stale task link", found)

    _refusals(live, root, seeds, found)
    assert found == {}, "English on Chinese pages:\n" + "\n".join(f"{where}: {runs}" for where, runs in found.items())


def _refusals(live: LiveSite, root: Page, seeds: dict[str, Any], found: dict[str, list[str]]) -> None:
    """Each form sent empty or wrong: the refusal, in Chinese."""
    root.on("dialog", lambda dialog: dialog.accept())
    root.goto("/disconnections/new")
    _scan(root, "/disconnections/new", found)
    _submit_without_browser_checks(root, "[data-testid=start-form] button")
    _scan(root, "apply form", found)
    _submit_without_browser_checks(root, "[data-testid=send]")
    _refused(root, "apply form (refused empty)", found)
    root.fill("textarea[name=customer_numbers]", "3400000021")
    root.fill("input[name=reason]", "欠费")
    root.fill("input[name=planned_date]", str(NOW.date()))
    root.get_by_role("button", name="检查").click()
    expect(root.get_by_test_id("warnings")).to_contain_text("3400000021")  # root is not the reader of S01
    _scan(root, "apply form (checked: warnings)", found)
    root.fill("textarea[name=customer_numbers]", "3400000099, 3400000022")
    root.fill("input[name=reason]", "欠费")
    root.fill("input[name=planned_date]", "2020-01-01")
    _submit_without_browser_checks(root, "[data-testid=send]")
    _refused(root, "apply form (refused: unknown customer, past date)", found)
    root.fill("textarea[name=customer_numbers]", "3400000031")
    root.fill("input[name=planned_date]", str(NOW.date()))
    _submit_without_browser_checks(root, "[data-testid=send]")
    _refused(root, "apply form (refused: owes nothing)", found)

    for element, button in (("approve", "[data-testid=approve]"), ("issue", "[data-testid=issue]"),
                            ("enter_disconnection", "button[type=submit]"),
                            ("confirm_empty", "button[type=submit]"), ("on_site", "button[type=submit]")):
        task = seeds["tasks"].get(element)
        assert task is not None, f"no open {element} task was seeded"
        root.goto(f"/tasks/{task}")
        root.evaluate("document.querySelectorAll('form[data-testid=task-form] input:not([name=csrf_token]), "
                      "form[data-testid=task-form] textarea').forEach(e => { if (e.type === 'checkbox' || "
                      "e.type === 'radio') e.checked = false; else e.value = ''; })")
        _submit_without_browser_checks(root, f"form[data-testid=task-form] {button}")
        _refused(root, f"{element} form (refused)", found)

    root.goto("/customers/3400000022")
    mobile = root.locator("form[action$='/mobile']")
    mobile.locator("input[name=mobile]").fill("12345")
    _submit_without_browser_checks(root, "form[action$='/mobile'] button")
    _refused(root, "customer mobile (refused)", found)
    root.goto(f"/instances/{seeds['on_site']}")
    _submit_without_browser_checks(root, "form[action$='/terminate'] button")
    _refused(root, "terminate (refused: no reason)", found)
    root.goto("/segments/S01")
    root.fill("[data-testid=segment-form] input[name=reader_username]", "Not A Username")
    root.fill("[data-testid=segment-form] input[name=reader_mobile]", "12345")
    _submit_without_browser_checks(root, "[data-testid=segment-form] button[type=submit]")
    _refused(root, "segment (refused)", found)
    root.goto("/screening")
    _submit_without_browser_checks(root, "[data-testid=bulk-flag] button[type=submit]")
    _refused(root, "screening bulk flag (refused: none chosen)", found)


def test_the_scan_finds_an_english_sentence_and_passes_ids_and_names() -> None:
    assert english_runs("请选择至少一户 pick at least one customer") == ["pick at least one customer"]
    assert english_runs("任务 not open any more：3400000011") == ["not open any more"]
    assert english_runs("reader-rui 于 2026-03-02 09:00 提交；BPMN 版本 v2；S01 段；SMS 已发送") == []
    assert english_runs("状态：ready") == []  # one word is not a sentence ...
    assert english_runs("Demo executor") == ["Demo executor"]  # ... two are
    assert "Demo" not in ALLOWED
