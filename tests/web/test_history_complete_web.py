"""Issue 5, part 1 — complete history through the web app: what a person does on a page is in the
history under their own name, at the (frozen) time, with old → new — signing in and out, an
archive change (M1.2), a claim, and an operator's suspension with its reason."""

from __future__ import annotations

from typing import Any

from app.runtime.events import history
from tests.integration.history_support import Seen, events, the_event
from tests.utility import NOW, seed_customer
from tests.web.conftest import Site

NUMBER = "3400000101"


def test_signing_in_is_recorded_under_the_person(site: Site) -> None:
    """Issue 5: sign-ins, with who and when (refusals are covered in test_sign_in)."""
    site.person("sue", "sysadmin")
    assert the_event(site.services, "user.signed_in") == Seen("users", "user.signed_in", None, "sue", NOW, None,
                                                              {"username": "sue"})


def test_signing_out_is_recorded_under_the_person(site: Site) -> None:
    sue = site.person("sue", "sysadmin")
    assert sue.post_form("/logout").status_code == 302
    assert the_event(site.services, "user.signed_out") == Seen("users", "user.signed_out", None, "sue", NOW, None,
                                                               {"username": "sue"})


def test_a_flag_set_on_the_customer_page_is_recorded_under_the_person(site: Site) -> None:
    """M1.2.2 / issue 5: the flag change names the applicant who made it, old → new and the reason."""
    seed_customer(site.services, NUMBER, auto_reconnect=False)
    amy = site.person("amy", "applicant")
    answer = amy.post_form(f"/customers/{NUMBER}/auto-reconnect", {"value": "set", "reason": "checked the meter"})
    assert answer.status_code == 302, answer.data
    assert the_event(site.services, "customer.flag_changed") == Seen(
        "archive", "customer.flag_changed", None, "amy", NOW, None,
        {"customer": NUMBER, "old": False, "new": True, "reason": "checked the meter"})


def _application(site: Site) -> tuple[int, str]:
    amy = site.person("amy", "applicant")
    started: Any = amy.post_json("/api/disconnections").json
    return started["instance_id"], started["task_id"]


def test_a_claim_in_the_inbox_is_recorded_under_the_person(site: Site) -> None:
    """Issue 5: user-task claims, old → new holder."""
    instance_id, task_id = _application(site)
    ann = site.person("ann", "applicant")
    assert ann.post_json(f"/api/tasks/{task_id}/claim").status_code == 200
    [claimed] = events(site.services, history.instance_stream(instance_id), "task.claimed")
    assert (claimed.actor, claimed.at, claimed.element_id, claimed.data) == (
        "ann", NOW, "apply", {"task_id": task_id, "old": None, "new": "ann"})


def test_a_suspension_on_the_instance_page_is_recorded_with_its_reason(site: Site) -> None:
    """Issue 5: suspend/resume/terminate with who, when and why."""
    instance_id, _task_id = _application(site)
    sam = site.person("sam", "sysadmin")
    answer = sam.post_form(f"/instances/{instance_id}/suspend", {"reason": "billing dispute"})
    assert answer.status_code == 302, answer.data
    [suspended] = events(site.services, history.instance_stream(instance_id), "instance.suspended")
    assert (suspended.actor, suspended.at, suspended.data) == (
        "sam", NOW, {"reason": "billing dispute", "previous_status": "running"})
