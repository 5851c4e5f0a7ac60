"""Rehearsals on the web (issue 12 item 5): an analyst starts one (API or page), the worker runs it,
everyone signed in reads the progress, then the summary and a row per case linked to the case's
timeline — in English and Chinese; the wrong role, a bad scope, an unknown draft are refused."""

from __future__ import annotations

import re

from tests.rehearsals import four_sends_45_minutes_apart, record_reconnections
from tests.web.conftest import Person, Site
from tests.web.workbench_support import open_reconnect_draft, save

BEHAVIOURS = {"3400000001": "fails", "3400000002": "succeeds"}


def edited_draft(analyst: Person) -> int:
    draft_id = open_reconnect_draft(analyst)
    text = four_sends_45_minutes_apart()["reconnect.bpmn"].decode()
    assert save(analyst, draft_id, text, 1).status_code == 200
    return draft_id


def run_worker(site: Site) -> int:
    job = next(job for job in site.services.jobs if job.name == "rehearsals")  # the worker's own job
    return int(job.run())


def test_an_analyst_rehearses_and_everyone_reads_the_results(site: Site) -> None:
    ids = record_reconnections(site.utility, BEHAVIOURS)
    ana, rita = site.person("ana", "analyst"), site.person("rita", "applicant")
    draft_id = edited_draft(ana)
    started = ana.post_json(f"/api/drafts/{draft_id}/rehearsals", {"scope": {"last": 200}})
    assert started.status_code == 202 and started.json["status"] == "queued"
    url = f"/api/rehearsals/{started.json['run_id']}"
    queued = rita.get(url).json
    assert (queued["status"], queued["summary"], queued["cases"]) == ("queued", None, None)
    assert run_worker(site) == 1
    done = rita.get(url, headers={"Accept-Language": "en"}).json
    assert (done["status"], done["done"], done["total"], done["draft_id"]) == ("done", 2, 2, draft_id)
    lines = [line["text"] for line in done["summary"]]
    assert "1 case would have sent a 4th command" in lines
    assert "0 customers would have been cut who were not" in lines
    failed, reconnected = done["cases"]
    assert (failed["instance_id"], failed["outcome"], failed["case_url"]) == (
        ids[0], "needs_input", f"/audit/cases/{ids[0]}")
    assert any(re.fullmatch(r"would have sent a 4th command at 2026-03-02 11:18", f["text"]) for f in failed["facts"])
    assert failed["needs"].startswith("needs the result of a 4th command, which the case never had (it recorded 3)")
    assert reconnected["outcome"] == "same" and reconnected["facts"] == []
    chinese = rita.get(url + "?lang=zh").json
    assert "第4条" in " ".join(line["text"] for line in chinese["summary"])
    assert rita.get(f"/api/drafts/{draft_id}/rehearsals").json["runs"][0]["run_id"] == started.json["run_id"]


def test_the_pages_start_a_rehearsal_and_show_progress_then_the_summary(site: Site) -> None:
    ids = record_reconnections(site.utility, BEHAVIOURS)
    ana = site.person("ana", "analyst")
    draft_id = edited_draft(ana)
    runs_url = f"/processes/reconnect/drafts/{draft_id}/rehearsals"
    assert 'data-testid="rehearse-form"' in ana.get(runs_url).get_data(as_text=True)
    started = ana.post_form(runs_url, {"kind": "customers", "customers": "3400000001"})
    assert started.status_code == 302 and re.fullmatch(runs_url + r"/\d+", started.location)
    waiting = ana.get(started.location, headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert 'data-testid="rehearsal-progress"' in waiting and "rehearsal.js" in waiting
    run_worker(site)
    page = ana.get(started.location, headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert 'data-testid="rehearsal-progress"' not in page
    assert "1 case would have sent a 4th command" in page
    assert f'href="/audit/cases/{ids[0]}"' in page and f'href="/audit/cases/{ids[1]}"' not in page  # one customer
    assert "预演" in ana.get(started.location + "?lang=zh").get_data(as_text=True)
    reader = site.person("rita", "applicant").get(runs_url).get_data(as_text=True)
    assert 'data-testid="rehearse-form"' not in reader and 'data-testid="rehearsal-runs"' in reader


def test_rehearsals_refuse_the_wrong_role_a_bad_scope_and_unknown_ids(site: Site) -> None:
    ana = site.person("ana", "analyst")
    draft_id = edited_draft(ana)
    for person in (site.person("sam", "sysadmin"), site.person("rita", "applicant")):
        assert person.post_json(f"/api/drafts/{draft_id}/rehearsals", {"scope": {"last": 5}}).status_code == 403
        assert person.post_form(f"/processes/reconnect/drafts/{draft_id}/rehearsals", {}).status_code == 403
    bad = ana.post_json(f"/api/drafts/{draft_id}/rehearsals", {"scope": {"last": 0}})
    assert bad.status_code == 422 and "scope.last" in bad.json["errors"]
    bad_day = ana.post_json(f"/api/drafts/{draft_id}/rehearsals", {"scope": {"from": "monday", "to": "2026-03-02"}})
    assert bad_day.status_code == 422 and "scope.from" in bad_day.json["errors"]
    assert ana.post_json("/api/drafts/999/rehearsals", {}).status_code == 404
    assert ana.get("/api/rehearsals/999").status_code == 404
    assert ana.get(f"/processes/disconnect/drafts/{draft_id}/rehearsals").status_code == 404  # not its process
    broken = open_reconnect_draft(ana)
    assert save(ana, broken, "<not xml", 1).status_code == 200
    refused = ana.post_json(f"/api/drafts/{broken}/rehearsals", {})
    assert refused.status_code == 422 and refused.json["problems"]
    assert run_worker(site) == 0  # nothing was queued


def test_the_approver_reads_the_revisions_rehearsal_on_the_proposal(site: Site) -> None:
    """Item 6: the system administrator sees the rehearsal summary beside the check and the diff."""
    record_reconnections(site.utility, BEHAVIOURS)
    ana, sam = site.person("ana", "analyst"), site.person("sam", "sysadmin")
    draft_id = edited_draft(ana)
    proposal = ana.post_json(f"/api/drafts/{draft_id}/proposals", {"comment": "4 sends"}).json["proposal_id"]
    page_url = f"/processes/reconnect/proposals/{proposal}?lang=en"
    before = sam.get(page_url).get_data(as_text=True)
    assert 'data-testid="not-rehearsed"' in before and 'data-testid="proposal-rehearsal-summary"' not in before
    assert ana.post_json(f"/api/drafts/{draft_id}/rehearsals", {"scope": {"last": 200}}).status_code == 202
    assert run_worker(site) == 1
    after = sam.get(page_url).get_data(as_text=True)
    assert 'data-testid="not-rehearsed"' not in after
    assert "1 case would have sent a 4th command" in after and "2 cases." in after
