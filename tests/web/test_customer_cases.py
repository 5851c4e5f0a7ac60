"""Issue 13 item 1: a customer's page and the audit case search show every case the customer is
part of — a disconnection batch they are a member of too — with its stage in words and dates, read
from what is recorded (M4.1 application, M4.2 approval, M4.3.1 notice, the cut's date, M4.3.5 the
cut), and who did each step."""

from __future__ import annotations

import re
from datetime import timedelta

from app.usecases.reconnections import run_patrol
from tests.utility import seed_customer
from tests.web.conftest import Site
from tests.web.task_forms_support import READER, apply_via_api, approve_via_api, open_task, owing
from tests.web.test_task_forms import pay

STEPS = re.compile(r'<li data-step="([a-z_]+)">(.*?)</li>', re.S)
MEMBER, OTHER = "3400000011", "3400000012"


def steps(html: str) -> list[tuple[str, str]]:
    return [(kind, " ".join(text.split())) for kind, text in STEPS.findall(html)]


def approved(site: Site) -> int:
    """A batch of two, applied for by the reader and approved (M4.1, M4.2): its notice is queued."""
    owing(site, MEMBER, OTHER)
    rui, bo = site.person(READER, "applicant"), site.person("bo", "approver")
    batch = apply_via_api(rui, [MEMBER, OTHER], planned_date="2026-03-05")
    approve_via_api(site, bo, batch)
    return batch


def test_a_member_of_an_approved_batch_is_not_shown_as_untouched(site: Site) -> None:
    batch = approved(site)
    ann = site.person("ann", "approver")
    page = ann.get(f"/customers/{MEMBER}?lang=en").data.decode()
    assert "Nothing open for this customer." not in page
    case = page.split(f'data-case="{batch}"')[1].split("</article>")[0]
    assert "member of the batch" in case
    assert steps(case) == [
        ("applied", "Applied for on 2026-03-02 09:00 by reader-rui · reason: arrears over 60 days"),
        ("approved", "Approved on 2026-03-02 09:00 by bo"),
        ("notice_queued", "Disconnection notice SMS queued on 2026-03-02 09:00, not yet sent"),
        # the day the applicant put in the notice; the deadline is the issue task's due_in (P7D) in the diagram
        ("cut_scheduled", "Cut scheduled for 2026-03-05 (the day the notice names; no earlier) · "
                          "commands to be issued by 2026-03-09 09:00 (Beijing time)"),
        ("waiting", "Waiting for: Issue the disconnect commands (M4.3.2-3) · due 2026-03-09 09:00 (Beijing time)")]
    timeline = page.split('data-testid="timeline-table"')[1]
    assert "暂无记录" not in timeline and "Nothing recorded yet." not in timeline
    assert "Approved on 2026-03-02 09:00 by bo" in timeline and "Disconnection notice" in timeline


def test_the_stage_moves_on_with_what_is_recorded_notice_sent_and_the_cut(site: Site) -> None:
    batch = approved(site)
    site.services.dispatcher.dispatch()  # the SMS gateway takes the notices (M4.3.1)
    ann = site.person("ann", "approver")
    case = ann.get(f"/customers/{MEMBER}?lang=en").data.decode().split(f'data-case="{batch}"')[1]
    assert ("notice_sent", "Disconnection notice SMS sent on 2026-03-02 09:00") in steps(case)

    site.utility.advance(timedelta(days=3))  # the notice's day has come: the executor issues (M4.3.2)
    erin = site.person("erin", "executor")
    assert erin.post_form(f"/tasks/{open_task(site, 'issue', batch).id}", {}).status_code == 302
    site.utility.advance(timedelta(minutes=3))  # the simulated head-end opens the relay (M4.3.5)
    page = ann.get(f"/customers/{MEMBER}?lang=en").data.decode()
    kinds = [kind for kind, _text in steps(page.split(f'data-case="{batch}"')[1].split("</article>")[0])]
    assert kinds[:4] == ["applied", "approved", "notice_sent", "cut_scheduled"]
    assert "issued" in kinds and "cut" in kinds
    assert ("issued", "Disconnect command issued on 2026-03-05 09:00 by erin") in steps(page)
    assert any(kind == "cut" and text.startswith("Cut on 2026-03-05 09:0") and text.endswith("· remotely")
               for kind, text in steps(page))


def test_a_customer_taken_out_because_they_paid_says_so(site: Site) -> None:
    batch = approved(site)
    pay(site, MEMBER)
    site.utility.advance(timedelta(days=3))
    erin = site.person("erin", "executor")
    issued = erin.post_form(f"/tasks/{open_task(site, 'issue', batch).id}", {f"choice.{MEMBER}": "cancel"})
    assert issued.status_code == 302
    page = site.person("ann", "approver").get(f"/customers/{MEMBER}?lang=en").data.decode()
    assert ("dropped_out", "Paid meanwhile: taken out of the batch on 2026-03-05 09:00 by erin") in steps(page)


def test_the_audit_search_by_customer_finds_the_batch_they_are_a_member_of(site: Site) -> None:
    batch = approved(site)
    auditor = site.person("audrey", "auditor")
    page = auditor.get(f"/audit/cases?customer={MEMBER}&lang=en").data.decode()
    assert f'<tr data-case="{batch}">' in page and "1 case" in page
    row = page.split(f'<tr data-case="{batch}">')[1].split("</tr>")[0]
    assert MEMBER in row and "member of the batch" in row
    stage = row.split('data-testid="case-stage"')[1]
    assert "Waiting for: Issue the disconnect commands" in stage.split("<details>")[0]
    assert "Cut scheduled for 2026-03-05" in stage and "Approved on 2026-03-02 09:00 by bo" in stage
    assert "0 cases" in auditor.get("/audit/cases?customer=3400000099&lang=en").data.decode()


def test_nothing_open_shows_only_when_it_is_true(site: Site) -> None:
    owing(site, MEMBER)
    ann = site.person("ann", "approver")
    page = ann.get(f"/customers/{MEMBER}?lang=en").data.decode()
    assert 'data-testid="nothing-open"' in page and "Nothing open for this customer." in page
    assert 'data-testid="case"' not in page


def test_the_on_site_reconnection_names_who_did_it_and_their_note(site: Site) -> None:
    """The timeline says who did each step: the patrol as the system's (M5.1), the on-site
    reconnection by the reader with the note they typed."""
    seed_customer(site.services, "3400000006", auto_reconnect=False)  # not flagged: on site
    run_patrol(site.services.runtime)
    rui = site.person(READER, "executor")
    task = open_task(site, "on_site")
    site.utility.advance(timedelta(minutes=40))
    done = rui.post_form(f"/tasks/{task.id}", {"reconnected_at": "2026-03-02T09:30", "note": "meter reset by hand"})
    assert done.status_code == 302, done.data
    page = site.person("ann", "approver").get("/customers/3400000006?lang=en").data.decode()
    timeline = page.split('data-testid="timeline-table"')[1]
    row = timeline.split('data-kind="case.step"')[1].split("</tr>")[0]
    assert "Reconnected on site on 2026-03-02 09:30 by reader-rui · note: meter reset by hand" in " ".join(row.split())
    assert "<td>reader-rui</td>" in row
    started = timeline.split('data-kind="instance.started"')[1].split("</tr>")[0]
    assert "<td>Patrol (system)</td>" in started
    zh = site.person("zhang", "approver").get("/customers/3400000006?lang=zh").data.decode()
    assert "<td>巡检（系统）</td>" in zh and "system:patrol" not in zh.split('data-testid="timeline-table"')[1]
