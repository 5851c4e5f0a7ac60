"""Issue 16 items 1 and 2 on the pages, with the shipped cut-window table: the M4.3 issue form says
which customers the cut window would not cut now and why (noticed too recently, no notice at all),
and a waiting child's page shows when its cut is expected and why it waits."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import time_machine
from sqlalchemy import select

from app.runtime.actors import Actor
from app.usecases import cut_holds
from storage.models import Instance
from tests.utility import NOW, SHIPPED_CUT_WINDOW, Utility, build_utility_app, seed_segment
from tests.web.conftest import Site
from tests.web.task_forms_support import READER, apply_via_api, approve_via_api, open_task, owing


@pytest.fixture
def policy_site(database_url: str, tmp_path: Path) -> Iterator[Site]:
    with time_machine.travel(NOW, tick=False) as traveller:
        app = build_utility_app(database_url, tmp_path, cut_window=SHIPPED_CUT_WINDOW)
        services = app.extensions["relayflow"]
        seed_segment(services)
        with services.db.transaction() as session:
            cut_holds.seed_calendar(session, services.clock, Actor("sam", frozenset({"sysadmin"})), 2026, 2026)
        yield Site(Utility(app, services, traveller, tmp_path / "sms.jsonl"))
        services.db.dispose()


def test_the_issue_form_says_who_is_not_noticed_long_enough_and_the_child_shows_its_wait(policy_site: Site) -> None:
    site = policy_site
    owing(site, "3400000011")
    owing(site, "3400000013", subscribed=())  # no SMS reaches them: the notice by hand comes later
    rui, bo, erin = site.person(READER, "applicant"), site.person("bo", "approver"), site.person("erin", "executor")
    batch = apply_via_api(rui, ["3400000011", "3400000013"])
    approve_via_api(site, bo, batch)
    issue = open_task(site, "issue", batch)
    page = erin.get(f"/tasks/{issue.id}?lang=en")
    assert page.status_code == 200
    waiting = page.data.decode().split('data-testid="cut-window-now"')[1].split("</div>")[0]
    assert "households: the notice must precede the cut by 7 days" in waiting.split('data-customer="3400000011"')[1]
    assert "no advance notice recorded" in waiting.split('data-customer="3400000013"')[1]

    assert erin.post_form(f"/tasks/{issue.id}", {}).status_code == 302
    site.utility.run()
    with site.services.db.reading() as session:
        child = session.scalars(select(Instance).where(Instance.parent_id == batch).order_by(Instance.id)).first()
    assert child is not None
    shown = erin.get(f"/instances/{child.id}?lang=en").data.decode()
    assert 'data-testid="cut_expected_at"' in shown and "2026-03-09 09:00" in shown  # 7 days after the notice
    assert "the notice must precede the cut by 7 days" in shown.split('data-testid="cut_wait_reason"')[1]
