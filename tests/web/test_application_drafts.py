"""Application drafts (issue 13 item 6, M4.1): 新建申请 starts a case that is its author's draft
until the application is sent on (``draft_until`` on disconnect.bpmn's start). The author lists and
discards their drafts; the discard is in the case's history (who, when); nobody else's inbox or
instance list shows a draft, and no running case is left behind. SQLite and PostgreSQL."""

from __future__ import annotations

from sqlalchemy import select

from app.runtime.steps.lifecycle import DRAFT_DISCARDED
from storage.models import HistoryEvent, Instance
from tests.web.conftest import Person, Site
from tests.web.task_forms_support import READER, instance, open_task, owing, snapshot, start_application
from tests.web.test_case_feedback import said


def drafts_on_start_page(person: Person) -> str:
    page = person.get("/disconnections/new").data.decode()
    return page.split('data-testid="case-drafts"')[1].split("</table>")[0]


def running(site: Site) -> list[int]:
    with site.services.db.reading() as session:
        return list(session.execute(select(Instance.id).where(Instance.status == "running")
                                    .order_by(Instance.id)).scalars())


def test_two_clicks_make_two_drafts_and_discarding_one_leaves_no_running_case(site: Site) -> None:
    rui = site.person(READER, "applicant")
    start_application(rui)
    start_application(rui)
    first, second = running(site)
    table = drafts_on_start_page(rui)
    assert f'data-testid="draft-{first}"' in table and f'data-testid="draft-{second}"' in table

    discarded = rui.post_form(f"/cases/{first}/discard")
    assert discarded.status_code == 303 and discarded.headers["Location"].endswith("/disconnections/new")
    text, link = said(rui, discarded)
    assert text.startswith(f"批次 #{first}：草稿已放弃。") and "没有发出任何通知或指令" in text
    assert link == f"/instances/{first}"
    assert running(site) == [second] and instance(site, first).status == "terminated"
    assert f'data-testid="draft-{first}"' not in drafts_on_start_page(rui)

    with site.services.db.reading() as session:
        ended = session.execute(select(HistoryEvent).where(HistoryEvent.instance_id == first,
                                                           HistoryEvent.type == "instance.terminated")).scalar_one()
    assert ended.actor == READER and ended.data["reason"] == DRAFT_DISCARDED
    history = rui.get(f"/instances/{first}").data.decode()
    assert f"草稿已由 {READER} 于 " in history and " 放弃。" in history
    audit = site.person("audrey", "auditor").get(f"/audit/cases/{first}?lang=en").data.decode()
    assert f"Draft discarded by {READER} at " in audit
    assert 'data-testid="verify-replay"><span class="badge ok">Verified</span>' in audit  # replays as recorded


def test_a_draft_is_its_author_s_alone_until_it_is_sent_on(site: Site) -> None:
    owing(site, "3400000011")
    rui, ann = site.person(READER, "applicant"), site.person("ann", "applicant")
    bo, sam = site.person("bo", "approver"), site.person("sam", "sysadmin")
    apply_id = start_application(rui)
    draft = open_task(site, "apply").instance_id

    assert [row["id"] for row in rui.get("/api/tasks").json["rows"]] == [apply_id]
    assert ann.get("/api/tasks").json["rows"] == [] and bo.get("/api/tasks?tab=all").json["rows"] == []
    assert [item["id"] for item in rui.get("/api/instances").json["items"]] == [draft]
    assert sam.get("/api/instances").json["items"] == []
    assert f'data-testid="draft-{draft}"' not in drafts_on_start_page(ann)

    before = snapshot(site)
    assert ann.post_form(f"/cases/{draft}/discard").status_code == 403  # only its author
    assert sam.post_form(f"/cases/{draft}/discard").status_code == 403
    assert rui.post_form("/cases/999999/discard").status_code == 404
    assert snapshot(site) == before

    assert 'data-testid="discard-draft"' in rui.get(f"/tasks/{apply_id}").data.decode()  # its form offers it
    sent = rui.post_form(f"/tasks/{apply_id}", {"customers": "3400000011", "reason": "arrears",
                                                "planned_date": "2026-03-02", "action": "send"})
    assert sent.status_code == 302  # sent on (M4.1): a case like any other from now on
    assert [item["id"] for item in sam.get("/api/instances").json["items"]] == [draft]
    assert [row["element_id"] for row in bo.get("/api/tasks?tab=all").json["rows"]] == ["approve"]
    assert f'data-testid="draft-{draft}"' not in drafts_on_start_page(rui)
    before = snapshot(site)
    assert rui.post_form(f"/cases/{draft}/discard").status_code == 409  # not a draft any more
    assert snapshot(site) == before


def test_an_application_sent_back_is_not_a_draft_again(site: Site) -> None:
    """M4.2: sent back, the application waits for its author again, listed as sent back, not as a draft."""
    owing(site, "3400000011")
    rui, bo = site.person(READER, "applicant"), site.person("bo", "approver")
    apply_id = start_application(rui)
    batch = open_task(site, "apply").instance_id
    rui.post_form(f"/tasks/{apply_id}", {"customers": "3400000011", "reason": "arrears",
                                         "planned_date": "2026-03-02", "action": "send"})
    approve = open_task(site, "approve", batch)
    bo.post_form(f"/tasks/{approve.id}", {"opinion": "wrong reason", "decision": "send_back"})
    page = rui.get("/disconnections/new").data.decode()
    assert f'data-testid="draft-{batch}"' not in page
    again = open_task(site, "apply", batch)
    assert 'data-testid="discard-draft"' not in rui.get(f"/tasks/{again.id}").data.decode()
    waiting = page.split('data-testid="drafts"')[1].split("</table>")[0]
    assert f"#{batch}" in waiting
    assert rui.post_form(f"/cases/{batch}/discard").status_code == 409


def test_the_api_discards_a_draft_its_caller_started_and_nothing_else(site: Site) -> None:
    rui, ann = site.person(READER, "applicant"), site.person("ann", "applicant")
    started = rui.post_json("/api/disconnections", {})
    draft = started.json["instance_id"]
    assert ann.post_json(f"/api/cases/{draft}/discard").status_code == 403
    done = rui.post_json(f"/api/cases/{draft}/discard")
    assert done.status_code == 200, done.data
    assert (done.json["id"], done.json["status"], done.json["status_reason"]) == (draft, "terminated", DRAFT_DISCARDED)
    again = rui.post_json(f"/api/cases/{draft}/discard")
    assert again.status_code == 409 and running(site) == []
