"""The workbench's pages (issue 12): the library and a process for everyone signed in, a new draft
for analysts, a roll-back and a decision for system administrators — never their own proposal —
in Chinese and English; every page and form refuses the wrong role."""

from __future__ import annotations

import re

from tests.web.conftest import Person, Site
from tests.web.workbench_support import approved_edit, open_reconnect_draft, retry_wait, save


def proposal_of(analyst: Person) -> tuple[int, int]:
    """The analyst's edit of the retry wait, proposed: (draft id, proposal id)."""
    draft_id = open_reconnect_draft(analyst)
    assert save(analyst, draft_id, retry_wait("45"), 1).status_code == 200
    made = analyst.post_json(f"/api/drafts/{draft_id}/proposals", {"comment": "retry after 45 min (M5.2)"})
    return draft_id, int(made.json["proposal_id"])


def test_the_library_shows_every_version_and_how_it_was_deployed(site: Site) -> None:
    sam = site.person("sam", "sysadmin")
    approved_edit(site.person("ana", "analyst"), sam)
    page = site.person("rita", "applicant").get("/processes", headers={"Accept-Language": "en"})
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert 'data-testid="process-reconnect"' in text and 'data-testid="process-disconnect_customer"' in text
    reconnect = text.split('data-testid="versions-reconnect"')[1].split("</table>")[0]
    assert re.search(r'data-version="2".*?sam.*?sam.*?retry after 45 min', reconnect, re.S)
    assert re.search(r'data-version="1".*?analyst-ann.*?without approval', reconnect, re.S)
    assert 'href="/processes/reconnect/versions/1"' in reconnect
    chinese = site.person("li", "auditor").get("/processes?lang=zh").get_data(as_text=True)
    assert "流程库" in chinese and "未经审批" in chinese


def test_the_menu_shows_the_library_to_analysts(site: Site) -> None:
    assert 'href="/processes"' in site.person("ana", "analyst").get("/inbox").get_data(as_text=True)
    assert 'href="/processes"' not in site.person("olly", "applicant").get("/inbox").get_data(as_text=True)


def test_a_version_page_shows_its_diagram_in_the_viewer(site: Site) -> None:
    reader = site.person("rita", "applicant")
    page = reader.get("/processes/reconnect/versions/1").get_data(as_text=True)
    assert 'data-url="/api/processes/reconnect/versions/1/diagram?labels=translated"' in page
    assert "instances.js" in page and "diagram_viewer.js" in page and 'data-testid="zoom-fit"' in page
    diagram = reader.get("/api/processes/reconnect/versions/1/diagram").json
    assert diagram["file"] == "reconnect.bpmn" and '"PT2H"' in diagram["xml"]
    assert reader.get("/processes/reconnect/versions/9").status_code == 404
    assert reader.get("/processes/nothing").status_code == 404


def test_an_analyst_opens_a_draft_from_the_process_page(site: Site) -> None:
    ana = site.person("ana", "analyst")
    page = ana.get("/processes/reconnect").get_data(as_text=True)
    assert 'data-testid="new-draft"' in page and 'data-testid="rollback"' not in page
    opened = ana.post_form("/processes/reconnect/drafts", {"title": "shorter wait", "from_version": "1"})
    assert opened.status_code == 302 and re.fullmatch(r"/processes/reconnect/drafts/\d+", opened.location)
    for person in (site.person("sam", "sysadmin"), site.person("olly", "applicant")):
        assert person.post_form("/processes/reconnect/drafts", {"title": "x"}).status_code == 403
        assert 'data-testid="new-draft"' not in person.get("/processes/reconnect").get_data(as_text=True)


def test_a_sysadmin_approves_another_persons_proposal_on_its_page(site: Site) -> None:
    draft_id, proposal_id = proposal_of(site.person("ana", "analyst"))
    url = f"/processes/reconnect/proposals/{proposal_id}"
    sam = site.person("sam", "sysadmin")
    page = sam.get(url + "?lang=en").get_data(as_text=True)  # English from here on (a cookie)
    assert 'data-testid="approve-form"' in page and "retry after 45 min (M5.2)" in page
    assert 'data-testid="no-problems"' in page
    assert f'href="/processes/reconnect/drafts/{draft_id}/rehearsals"' in page
    assert "/processes/reconnect/compare?a=version:1&amp;b=revision:" in page
    for person in (site.person("olly", "applicant"), site.person("bob", "analyst")):
        assert person.post_form(f"{url}/approve", {"comment": ""}).status_code == 403
        assert person.post_form(f"{url}/send-back", {"opinion": "no"}).status_code == 403
        assert 'data-testid="approve-form"' not in person.get(url).get_data(as_text=True)
    done = sam.post_form(f"{url}/approve", {"comment": "looks right"})
    assert done.status_code == 302 and done.location == url
    after = sam.get(url, headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Approved and deployed: reconnect v2." in after and 'data-testid="approve-form"' not in after
    assert "looks right" in after


def test_the_proposer_sees_no_approve_form_and_a_forced_approval_changes_nothing(site: Site) -> None:
    ada = site.person("ada", "analyst", "sysadmin")
    _draft_id, proposal_id = proposal_of(ada)
    url = f"/processes/reconnect/proposals/{proposal_id}"
    page = ada.get(url + "?lang=en").get_data(as_text=True)  # English from here on (a cookie)
    assert 'data-testid="own-proposal"' in page and 'data-testid="approve-form"' not in page
    forced = ada.post_form(f"{url}/approve", {"comment": "mine"})
    assert forced.status_code == 302
    again = ada.get(url, headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Nobody approves their own proposal" in again and "four eyes" in again
    assert "审批" in ada.get(url + "?lang=zh").get_data(as_text=True)
    versions = ada.get("/api/processes").json
    assert [len(p["versions"]) for p in versions if p["process_id"] == "reconnect"] == [1]
    withdrawn = ada.post_form(f"{url}/withdraw")
    assert withdrawn.status_code == 302
    assert 'data-testid="proposal-status"' in ada.get(url).get_data(as_text=True)


def test_a_sysadmin_proposes_a_roll_back_from_the_process_page(site: Site) -> None:
    sam = site.person("sam", "sysadmin")
    approved_edit(site.person("ana", "analyst"), sam)
    page = sam.get("/processes/reconnect").get_data(as_text=True)
    assert 'data-testid="rollback"' in page and 'data-testid="moves-link"' in page
    refused = sam.post_form("/processes/reconnect/rollbacks", {"version": "1", "comment": ""})
    assert refused.status_code == 302 and refused.location == "/processes/reconnect"
    made = sam.post_form("/processes/reconnect/rollbacks", {"version": "1", "comment": "back to 2 h"})
    assert made.status_code == 302 and re.fullmatch(r"/processes/reconnect/proposals/\d+", made.location)
    assert site.person("ana2", "analyst").post_form("/processes/reconnect/rollbacks",
                                                    {"version": "1", "comment": "x"}).status_code == 403
    listed = sam.get("/processes/reconnect", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Roll back reconnect to v1" in listed and "Waiting for approval" in listed
