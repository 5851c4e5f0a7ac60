"""Issue 12's first "must show", end to end through the JSON API the pages call (the properties
panel's part — setting these two values in the browser — is tests/browser/test_modeler_browser.py):
an analyst edits reconnect's loop maximum 3 → 4 and retry wait PT2H → PT45M (M5.2), saves with no
problem, compares (exactly those two changes), proposes; the same analyst cannot approve, a
system administrator does; a new reconnection then sends up to 4 times 45 minutes apart while a
case started before keeps 3 sends 2 hours apart; a case moved to the new version follows it from its
next step and still replays as verified."""

from __future__ import annotations

import itertools
from datetime import timedelta

from app.audit.replay import replay_instance
from tests.web.conftest import Site
from tests.web.instances_support import reconnection
from tests.web.workbench_support import RECONNECT, open_reconnect_draft, save
from tests.workflow.test_move import instance_of
from tests.workflow.test_reconnect import commands

EDITED = RECONNECT.replace('loopMaximum="3"', 'loopMaximum="4"').replace('"PT2H"', '"PT45M"')


def gaps(site: Site, number: str) -> list[timedelta]:
    sent = [command.created_at for command in commands(site.utility, number)]
    return [later - earlier for earlier, later in itertools.pairwise(sent)]


def test_an_analysts_edit_goes_from_draft_to_running_cases_with_four_eyes(site: Site) -> None:
    assert EDITED.count('loopMaximum="4"') == 1 and EDITED.count('"PT45M"') == 1
    ana, sam = site.person("ana", "analyst"), site.person("sam", "sysadmin")
    before = reconnection(site, "3400000101", behaviour="fails")  # on version 1, first send failed
    to_move = reconnection(site, "3400000103", behaviour="fails")  # on version 1, moved below

    draft_id = open_reconnect_draft(ana)
    saved = save(ana, draft_id, EDITED, 1)
    assert saved.status_code == 200 and saved.json["revision"]["problems"] == [], saved.json
    revision_id = saved.json["revision"]["id"]

    compared = ana.get(f"/api/processes/reconnect/compare?a=v1&b=r{revision_id}")
    assert compared.status_code == 200, compared.json
    assert [(e["element_id"], c["property"], c["old"], c["new"])
            for e in compared.json["elements"] for c in e["changes"]] == [
        ("attempts", "loop_maximum", "3", "4"), ("retry_wait", "timer", "PT2H", "PT45M")]

    proposed = ana.post_json(f"/api/drafts/{draft_id}/proposals", {"comment": "4 sends, 45 minutes apart"})
    assert proposed.status_code == 201, proposed.json
    proposal = proposed.json["proposal_id"]
    assert ana.post_json(f"/api/proposals/{proposal}/approve", {}).status_code == 403  # not a sysadmin
    approved = sam.post_json(f"/api/proposals/{proposal}/approve", {"comment": "agreed with the call centre"})
    assert approved.status_code == 200 and approved.json["versions"] == {"reconnect": 2}, approved.json

    moved = sam.post_json("/api/processes/reconnect/moves", {
        "from_version": 1, "to_version": 2, "instance_ids": [to_move], "reason": "the new wait applies"})
    assert moved.status_code == 200 and moved.json["moved"] == 1, moved.json
    after = reconnection(site, "3400000102", behaviour="fails")  # on version 2
    site.utility.advance(timedelta(hours=8), step=timedelta(minutes=5))

    old, new = gaps(site, "3400000101"), gaps(site, "3400000102")
    assert len(old) == 2 and all(timedelta(hours=2) < gap <= timedelta(hours=2, minutes=35) for gap in old), old
    assert len(new) == 3 and all(timedelta(minutes=45) < gap <= timedelta(minutes=80) for gap in new), new
    assert len(commands(site.utility, "3400000103")) == 4  # the moved case sends a 4th time too
    reader = site.person("rita", "applicant")
    assert [reader.get(f"/api/instances/{i}").json["version"] for i in (before, after, to_move)] == [1, 2, 2]
    assert instance_of(site.utility, "3400000103") == to_move
    for instance_id in (before, after, to_move):
        verdict = replay_instance(site.services.db, site.services.runtime, instance_id)
        assert verdict.verified, verdict.summary()
