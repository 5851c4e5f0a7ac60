"""The auditor's screens (issue 5): the case search, the case page with its timeline, who did
what and its verification, the exports (JSON case file, printable summary) and their record in
the ``audit`` history stream, and the refusals."""

from __future__ import annotations

import hashlib
import json
import re
from datetime import timedelta

from sqlalchemy import select

from app.runtime.actors import Actor
from app.runtime.events.history import verify_stream
from storage.models import HistoryEvent, UserTask
from tests.integration.history_support import ONE_HEAD, committed_before
from tests.web.conftest import Site
from tests.web.instances_support import complete, failing_reconnection, reconnection, status

ROW = re.compile(rb'<tr data-case="(\d+)"')
READER = Actor("reader-rui", frozenset({"executor"}))
TIMELINE = re.compile(rb'<script type="application/json" id="case-timeline">(.*?)</script>', re.S)


def reconnected_after_two_failed_sends(site: Site, number: str = "3400000101") -> int:
    """A finished remote reconnection whose first two sends failed (M5.2) and whose third worked."""
    instance_id = reconnection(site, number, behaviour="fails")
    site.utility.advance(timedelta(hours=2, minutes=10), step=timedelta(minutes=5))  # two failed sends
    site.utility.headend.set_behaviour(site.utility.customer(number).meter_address, "succeeds")
    site.utility.advance(timedelta(hours=2, minutes=40), step=timedelta(minutes=5))  # the third closes the relay
    assert status(site, instance_id) == "completed"
    return instance_id


def listed(page: bytes) -> list[int]:
    return [int(found) for found in ROW.findall(page)]


def audit_events(site: Site) -> list[tuple[str, str, dict[str, object]]]:
    with site.services.db.reading() as session:
        rows = session.execute(select(HistoryEvent.type, HistoryEvent.actor, HistoryEvent.data)
                               .where(HistoryEvent.stream == "audit").order_by(HistoryEvent.seq))
        return [(kind, actor, data) for kind, actor, data in rows]


def test_issue_5_the_case_search_by_customer_work_order_date_process_and_outcome(site: Site) -> None:
    done = reconnected_after_two_failed_sends(site, "3400000101")
    site.utility.advance(timedelta(days=1, hours=1))  # the next Beijing day
    running = reconnection(site, "3400000102", auto_reconnect=False)  # an on-site order, waiting
    failing = failing_reconnection(site)
    ann = site.person("ann", "auditor")

    def ids(query: str) -> list[int]:
        response = ann.get(f"/audit/cases?{query}")
        assert response.status_code == 200, response.data
        return listed(response.data)

    assert ids("") == [failing, running, done]
    assert ids("customer=3400000101") == [done]
    assert ids("work_order=10000001") == [done]
    assert ids("work_order=140000000001") == [running]
    assert ids("outcome=completed") == [done]
    assert ids("outcome=running") == [running]
    assert ids("outcome=incident") == [failing]
    assert ids("outcome=terminated") == []
    assert ids("process=reconnect&outcome=completed") == [done]
    assert ids("process=disconnect") == []
    assert ids("from=2026-03-02&to=2026-03-02") == [done]  # Beijing dates: NOW is 09:00 on 2 March
    assert ids("from=2026-03-03") == [failing, running]
    assert ids("to=2026-03-01") == []
    page = ann.get("/audit/cases?size=1&page=2")
    assert listed(page.data) == [running] and "第 2 页，共 3 页".encode() in page.data


def test_issue_5_bad_search_input_is_a_clear_400(site: Site) -> None:
    ann = site.person("ann", "auditor")
    for query, says in (("outcome=sleeping", b"not one of the values this page offers"),
                        ("from=2026-13-01", b"from must be a date"),
                        ("from=2026-03-05&to=2026-03-01", b"ends before it starts"), ("page=0", b"page must be"),
                        ("customer=" + "9" * 100, b"too long")):
        response = ann.get(f"/audit/cases?{query}", headers={"Accept-Language": "en"})
        assert response.status_code == 400 and says in response.data, (query, response.data[:300])


def test_issue_5_the_case_page_shows_the_timeline_who_did_what_and_the_verification(site: Site) -> None:
    instance_id = reconnected_after_two_failed_sends(site)
    ann = site.person("ann", "auditor")
    page = ann.get(f"/audit/cases/{instance_id}?lang=en")
    assert page.status_code == 200
    html = page.data.decode()
    for testid in ("diagram", "timeline-slider", "token-positions", "case-data", "who-did-what", "verification"):
        assert f'data-testid="{testid}"' in html, testid
    assert f'/api/instances/{instance_id}/diagram' in html  # the instance's own deployed version, as operators see it
    assert '<span class="badge ok">Intact</span> 69 events, head #69' in html  # the chain
    assert 'data-testid="verify-replay"><span class="badge ok">Verified</span>' in html  # the replay
    assert f"instance {instance_id}: verified" in html
    assert 'data-testid="verify-seal"><span class="badge warn">Not sealed yet</span>' in html

    assert site.services.sealer is not None and site.services.sealer.seal_all() == 1
    sealed = ann.get(f"/audit/cases/{instance_id}?lang=en").data.decode()
    assert "event #69 sealed by seal 1" in sealed  # the seal names the head: the auditor compares its hash
    chinese = ann.get(f"/audit/cases/{instance_id}?lang=zh").data.decode()
    assert "事件 #69 已由第 1 号封存记录封存" in chinese

    timeline = json.loads(TIMELINE.search(page.data).group(1))  # type: ignore[union-attr]
    sends = [e["seq"] for e in timeline["events"]
             if e["type"] == "service.called" and e["element_id"] == "send_command"]
    results = [e["seq"] for e in timeline["events"] if e["type"] == "message.received"]
    assert len(sends) == 3 and len(results) == 3

    def frame(seq: int) -> dict[str, object]:
        return next(f for f in timeline["frames"] if f["seq"] == seq)

    def data(seq: int) -> dict[str, object]:
        return timeline["snapshots"][frame(seq)["data"]]  # type: ignore[no-any-return]

    assert data(results[0])["result"]["stage"] == "failed"  # type: ignore[index]
    assert data(results[1])["result"]["stage"] == "failed"  # type: ignore[index]
    assert data(results[2])["result"]["stage"] == "executed"  # type: ignore[index]
    assert data(sends[1])["command"]["command_id"] != data(sends[0])["command"]["command_id"]  # type: ignore[index]
    assert data(1) == {"customer_number": "3400000101"}
    waiting_for_result = frame(results[0] - 1)["positions"]
    assert waiting_for_result == {"await_result": "waiting", "result_timeout": "waiting"}
    assert frame(results[0] + 8)["positions"] == {"retry_wait": "waiting"}  # between the first and second send
    assert frame(timeline["frames"][-1]["seq"])["positions"] == {}  # finished: no token
    assert timeline["names"]["send_command"] == "Send direct-close command"

    rows = re.findall(r'<tr data-seq="(\d+)" data-type="([a-z._]+)">', html)
    assert len(rows) == len(timeline["events"]) and rows[0] == ("1", "instance.started")
    assert [seq for seq, kind in rows if kind == "service.called"].count(str(sends[1])) == 1
    assert "2026-03-02 09:00" in html and "Patrol (system)" in html and "Head-end (system)" in html


def test_issue_5_a_completed_task_shows_its_old_and_new_values(site: Site) -> None:
    instance_id = reconnection(site, "3400000102", auto_reconnect=False)  # a manual order: on site
    site.utility.clock.shift(timedelta(hours=1))
    at = site.services.clock.now().isoformat()
    complete(site, instance_id, "on_site", {"reconnected_at": at, "note": "fuse replaced"}, READER)
    html = site.person("ann", "auditor").get(f"/audit/cases/{instance_id}?lang=en").data.decode()
    row = re.search(r'<tr data-seq="\d+" data-type="task.completed">(.*?)</tr>', html, re.S)
    assert row is not None
    assert "reader-rui" in row.group(1) and "<b>Note</b>: — → fuse replaced" in row.group(1)
    assert "<b>Power restored at</b>: — → 2026-03-02 10:00" in row.group(1)  # Beijing time, as people read it


def test_issue_5_exports_are_recorded_in_the_audit_stream_with_who_and_what(site: Site) -> None:
    instance_id = reconnected_after_two_failed_sends(site)
    ann = site.person("ann", "auditor")
    exported = ann.get(f"/audit/cases/{instance_id}/export.json")
    assert exported.status_code == 200 and exported.mimetype == "application/json"
    assert f'filename="case-{instance_id}.json"' in exported.headers["Content-Disposition"]
    case = json.loads(exported.data)
    assert (case["exported_by"], case["stream"], case["head"]["seq"]) == ("ann", f"instance/{instance_id}",
                                                                          len(case["events"]))
    assert case["verification"]["chain"] == {"intact": True, "problems": []}
    assert [f["name"] for f in case["deployment"]["files"]] == ["reconnect.bpmn"]
    summary = ann.get(f"/audit/cases/{instance_id}/summary?lang=en")
    assert summary.status_code == 200 and b"audit.css" in summary.data  # its print rules
    assert b"Case summary" in summary.data and case["head"]["hash"].encode() in summary.data
    assert summary.data.count(b"<tr data-seq=") == len(case["events"])  # who did what: every event

    [(kind, actor, data), (kind2, actor2, data2)] = audit_events(site)
    assert (kind, actor, data["instance_id"], data["what"]) == ("case.exported", "ann", instance_id, "json")
    assert data["head_seq"] == case["head"]["seq"] and data["head_hash"] == case["head"]["hash"]
    assert data["document_sha256"] == hashlib.sha256(exported.data).hexdigest()
    assert (kind2, actor2, data2["what"]) == ("case.exported", "ann", "summary")
    with site.services.db.reading() as session:
        assert verify_stream(session, "audit") == []


def test_issue_5_the_verify_script_is_downloadable(site: Site) -> None:
    script = site.person("ann", "auditor").get("/audit/verify_case.py")
    assert script.status_code == 200 and b"def event_hash" in script.data
    assert "verify_case.py" in script.headers["Content-Disposition"]


def test_issue_5_only_auditors_and_sysadmins_see_cases_and_nothing_is_recorded_for_others(site: Site) -> None:
    instance_id = failing_reconnection(site)
    for role in ("approver", "executor", "applicant", "analyst"):
        person = site.person(f"p-{role}", role)
        for url in ("/audit/cases", f"/audit/cases/{instance_id}", f"/audit/cases/{instance_id}/export.json",
                    f"/audit/cases/{instance_id}/summary", "/audit/verify_case.py"):
            if not (role == "analyst" and url == f"/audit/cases/{instance_id}"):
                assert person.get(url).status_code == 403, (role, url)
    assert audit_events(site) == []
    # issue 12 item 5: an analyst opens a rehearsed case on its timeline (the case page only)
    assert site.person("ana", "analyst").get(f"/audit/cases/{instance_id}").status_code == 200
    sam = site.person("sam", "sysadmin")
    assert sam.get(f"/audit/cases/{instance_id}").status_code == 200
    assert "审计".encode() in sam.get("/audit/cases").data  # the menu entry, in Chinese


def test_issue_5_unknown_cases_are_404_and_record_nothing(site: Site) -> None:
    ann = site.person("ann", "auditor")
    for url in ("/audit/cases/999", "/audit/cases/999/export.json", "/audit/cases/999/summary",
                "/audit/cases/99999999999999999999"):
        assert ann.get(url).status_code == 404, url
    assert audit_events(site) == []


def test_a_case_exported_while_it_moves_pairs_its_events_with_their_own_head(site: Site) -> None:
    """Issue 10 item 20, on the auditor's pages: a claim committed while the case file is being read
    (after its events, before its head) must not make a healthy case look cut (PostgreSQL)."""
    instance_id = reconnection(site, "3400000102", auto_reconnect=False)  # an on-site order, waiting
    with site.services.db.reading() as session:
        task_id = session.execute(select(UserTask.id).where(UserTask.instance_id == instance_id)).scalar_one()
    ann = site.person("ann", "auditor")
    claim = lambda: site.services.inbox.claim(task_id, READER)  # noqa: E731 - the work committed mid-read
    with committed_before(site.services, ONE_HEAD, claim) as ran:
        exported = ann.get(f"/audit/cases/{instance_id}/export.json")
    assert ran, "the claim never ran while the case was read"
    case = json.loads(exported.data)
    assert case["verification"]["chain"] == {"intact": True, "problems": []}
    assert case["head"]["seq"] == len(case["events"])
    assert case["head"]["hash"] == case["events"][-1]["hash"]
    page = ann.get(f"/audit/cases/{instance_id}/export.json")  # and the claim is there the next time
    assert json.loads(page.data)["events"][-1]["type"] == "task.claimed"
