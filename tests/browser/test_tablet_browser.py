"""Issue 13 at 768 px, in Chinese, in Chromium: the inbox, the application (M4.1) and approval (M4.2)
forms, the customer page and the audit case page fit a tablet held upright — nothing scrolls
sideways, every action (认领, 转派, 释放, 查询, 检查, 提交审批, 同意, …) is shown whole, uncovered and at
least 40 × 40 px — and a walk through every page a system administrator can reach finds none wider
than the screen."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urldefrag, urlsplit

from playwright.sync_api import Page, expect

from tests.browser.batch_support import APPLICANT
from tests.browser.conftest import LiveSite, screenshot
from tests.browser.tablet_support import TABLET, fits, within_reach
from tests.web.instances_support import reconnection
from tests.web.task_forms_support import READER, open_task, owing
from tests.web.test_audit_cases import reconnected_after_two_failed_sends
from tests.web.workbench_support import open_reconnect_draft, retry_wait, save

PROTECTED = "3400000011"  # life support at home (保电), a long address: never pickable (M4.1)
ADDRESS = "安徽省淮南市田家庵区洞山街道淮河新城小区十二栋三单元五零二室"
BATCH = ("3400000012", "3400000013", "3400000014")  # applied for: the approver's task (M4.2)
ON_SITE = "3400000201"  # three failed remote sends (M5.2): a manual reconnection to claim (M5.3)


def _customers(live: LiveSite) -> None:
    owing(live, PROTECTED, address=ADDRESS, protected_kind="life_support", protected_reason="home oxygen")
    owing(live, *BATCH, "3400000015")


def _applied_batch(live: LiveSite) -> int:
    """The three BATCH customers applied for by the segment's reader: waiting for the approver."""
    runtime = live.services.runtime
    batch = runtime.start("disconnect", {}, APPLICANT)
    runtime.complete_task(open_task(live, "apply", batch).id, {"customers": list(BATCH), "reason": "arrears",
                                                        "planned_date": str(live.services.clock.now().date())},
                          APPLICANT)
    return batch


def _on_site_reconnection(live: LiveSite) -> int:
    instance_id = reconnection(live, ON_SITE, behaviour="fails")
    live.utility.advance(timedelta(hours=5), step=timedelta(minutes=5))
    return instance_id


def _working_day(live: LiveSite) -> None:
    """Open tasks of three lanes, and colleagues in each to hand a task on to."""
    _customers(live)
    _applied_batch(live)
    _on_site_reconnection(live)
    live.services.runtime.start("disconnect", {}, APPLICANT)  # an application not sent yet
    for username, role in (("erin", "executor"), ("bea", "approver"), ("ann", "applicant")):
        live.add_user(username, role)


def test_the_inbox_at_768_px_offers_every_claim_reassign_and_release_within_reach(live: LiveSite) -> None:
    _working_day(live)
    sam = live.signed_in("sam", "sysadmin", "applicant", "approver", "executor", lang="zh", width=TABLET)
    sam.goto("/tasks?tab=all")
    rows = sam.get_by_test_id("inbox-table").locator("tbody tr")
    expect(rows.filter(has_text=ON_SITE)).to_have_count(1)  # the executors' manual reconnection
    expect(rows.filter(has_text=BATCH[0])).to_have_count(1)  # the approvers' batch
    fits(sam, TABLET)
    expect(sam.get_by_role("link", name="审计")).to_be_visible()  # the menu wraps: its last entries stay in view
    within_reach(sam.get_by_role("link", name="统计报表"))
    screenshot(sam, "tablet-inbox")
    for row in rows.all():
        within_reach(row.get_by_role("button", name="认领"))
        within_reach(row.locator("summary", has_text="转派"))
        expect(row.locator("td").first).to_be_in_viewport()
    cut_short = sam.get_by_test_id("more-customers")  # three customers, two numbers shown, then "…"
    expect(cut_short).to_have_text(", …")

    on_site = rows.filter(has_text=ON_SITE)
    on_site.locator("summary", has_text="转派").click()
    within_reach(on_site.get_by_role("button", name="确定"))
    fits(sam, TABLET)
    on_site.get_by_role("button", name="认领").click()
    sam.goto("/tasks?tab=mine")
    mine = sam.get_by_test_id("inbox-table").locator("tbody tr").filter(has_text=ON_SITE)
    within_reach(mine.get_by_role("button", name="释放"))
    fits(sam, TABLET)


def test_the_application_and_approval_forms_at_768_px(live: LiveSite) -> None:
    """M4.1: the reader's own customers in arrears are listed; the protected one keeps its 保电 tag in
    view beside an address that wraps by words, not two characters a line; the count of customers
    to disconnect follows the ticks and the typed numbers as they change. M4.2: both decisions in reach."""
    _customers(live)
    application = live.services.runtime.start("disconnect", {}, APPLICANT)
    rui = live.signed_in(READER, "applicant", lang="zh", width=TABLET)
    rui.goto(f"/tasks/{open_task(live, 'apply', application).id}")
    results = rui.get_by_test_id("search-results")
    protected = results.locator(f"tr[data-customer='{PROTECTED}']")
    expect(protected).to_contain_text(ADDRESS)
    tag = protected.locator(".badge", has_text="保电")
    expect(tag).to_be_visible()
    box = tag.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= TABLET
    address = protected.locator("td.address").bounding_box()
    assert address is not None and address["width"] >= 14 * 14, f"the address is squeezed to {address['width']} px"
    fits(rui, TABLET)

    count, hint = rui.get_by_test_id("selected-count"), rui.get_by_test_id("unchecked-hint")
    expect(count).to_have_text("0")
    expect(hint).to_be_hidden()
    results.locator(f"tr[data-customer='{BATCH[0]}'] input[type=checkbox]").check()
    expect(count).to_have_text("1")  # at once, before 检查
    expect(hint).to_contain_text("点击“检查”后")  # the list below is the last check's, and says so
    rui.fill("textarea[name=customer_numbers]", f"{BATCH[1]}，{BATCH[2]}\n{BATCH[0]}")
    expect(count).to_have_text("3")  # each number once, split as the server splits them
    for name in ("查询", "检查", "提交审批"):
        within_reach(rui.get_by_role("button", name=name, exact=True))
    screenshot(rui, "tablet-task-form")

    batch = _applied_batch(live)
    bo = live.signed_in("bo", "approver", lang="zh", width=TABLET)
    bo.goto(f"/tasks/{open_task(live, 'approve', batch).id}")
    expect(bo.get_by_test_id("application-customers")).to_contain_text(BATCH[2])
    within_reach(bo.get_by_test_id("approve"))
    within_reach(bo.get_by_test_id("send-back"))
    expect(bo.get_by_test_id("task-due")).to_contain_text("（北京时间）")
    fits(bo, TABLET)


def test_the_customer_page_at_768_px_keeps_the_protected_tag_and_every_button_in_view(live: LiveSite) -> None:
    _customers(live)
    ed = live.signed_in("ed", "executor", "sysadmin", lang="zh", width=TABLET)
    ed.goto(f"/customers/{PROTECTED}")
    title = ed.get_by_test_id("customer-title")
    tag = title.locator(".badge.warn")
    expect(tag).to_be_visible()
    box = tag.bounding_box()
    assert box is not None and box["x"] + box["width"] <= TABLET
    expect(ed.get_by_test_id("facts")).to_contain_text(ADDRESS)
    fits(ed, TABLET)
    screenshot(ed, "tablet-customer")
    for button in ed.get_by_test_id("subscriptions").get_by_role("button").all():
        within_reach(button)
    within_reach(ed.get_by_test_id("flag-form").get_by_role("button", name="保存"))


def test_the_audit_case_page_at_768_px(live: LiveSite) -> None:
    instance_id = reconnected_after_two_failed_sends(live)
    audrey = live.signed_in("audrey", "auditor", lang="zh", width=TABLET)
    audrey.goto(f"/audit/cases/{instance_id}")
    expect(audrey.get_by_test_id("diagram")).to_have_attribute("data-timeline", "ready")
    fits(audrey, TABLET)
    diagram = audrey.get_by_test_id("diagram").bounding_box()
    assert diagram is not None and diagram["x"] + diagram["width"] <= TABLET
    screenshot(audrey, "tablet-audit-case")
    for testid in ("export-json", "export-summary", "verify-script", "timeline-back", "timeline-forward"):
        within_reach(audrey.get_by_test_id(testid))
    audrey.get_by_test_id("timeline-back").click()  # the timeline's panels and table still fit a step back
    fits(audrey, TABLET)


def _reachable(page: Page, base_url: str, limit: int = 150) -> list[str]:
    """Every page linked from the home page, breadth first: same site, HTML (not the files the
    pages offer to download), each path once; all of them (more than ``limit`` fails the test)."""
    seen: set[str] = set()
    queue, visited = ["/"], []
    while queue and len(visited) < limit:
        url = queue.pop(0)
        response = page.goto(url)
        assert response is not None and response.ok, f"{url}: {response.status if response else 'no answer'}"
        if "text/html" not in (response.headers.get("content-type") or ""):
            continue
        visited.append(page.url)
        fits(page, TABLET)
        for href in page.eval_on_selector_all("a[href]", "links => links.map(a => a.href)"):
            link = urldefrag(href).url
            path = urlsplit(link).path
            if not link.startswith(base_url) or "lang=" in link or path in seen or "." in path.rsplit("/", 1)[-1]:
                continue
            seen.add(path)
            queue.append(link[len(base_url):])
    assert not queue, f"more than {limit} pages: raise the limit"
    return visited


def test_every_page_a_sysadmin_reaches_fits_768_px(live: LiveSite) -> None:
    _working_day(live)
    reconnected_after_two_failed_sends(live)
    analyst = live.person("ana", "analyst")
    draft_id = open_reconnect_draft(analyst)
    save(analyst, draft_id, retry_wait("45"), 1)
    analyst.post_json(f"/api/drafts/{draft_id}/proposals", {"comment": "retry after 45 min"})
    sam = live.signed_in("sam", "sysadmin", "applicant", "approver", "executor", lang="zh", width=TABLET)
    visited = {urlsplit(url).path for url in _reachable(sam, live.base_url)}
    for page in ("/tasks", "/customers", f"/customers/{PROTECTED}", "/audit/cases", "/reports", "/segments",
                 "/processes", "/processes/reconnect", "/instances", "/screening", "/subscriptions"):
        assert page in visited, f"{page} was not reached from the menu"
    assert any(path.startswith("/audit/cases/") for path in visited)
    assert any("/proposals/" in path for path in visited)
