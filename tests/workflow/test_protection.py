"""Issue 16 item 4: protected customers are never cut. A supervisor (sysadmin or approver) marks a
customer protected through the customer page or the API, with a class and a reason; who and
when are kept; a trip already queued for them is cancelled before it leaves and its flow hears
it; optionally the meter is put in power-protect (DL/T 645 3A) through the same outbox. On the
real bpmn/ processes, the simulated head-end and a travelling clock, SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from handlers.dlt645 import ACTIONS as DLT645_ACTIONS
from storage.domain_models import MeterCommand
from storage.models import HistoryEvent
from tests.integration.test_headend_dlt645 import POLL, dlt645_utility
from tests.utility import Utility, travelling_utility
from tests.web.conftest import Person, Site
from tests.workflow.test_disconnect import apply_and_approve, children, commands, issue, owing

NUMBER = "3400000011"


@pytest.fixture
def utility(database_url: str, tmp_path: Path) -> Iterator[Utility]:
    """The utility on SQLite and PostgreSQL (every case it made replays: ``replay_every_case``)."""
    yield from travelling_utility(database_url, tmp_path)


@pytest.fixture
def site(utility: Utility) -> Site:
    return Site(utility)


def events(site: Site, stream: str, kind: str) -> list[HistoryEvent]:
    with site.services.db.reading() as session:
        return list(session.execute(select(HistoryEvent).where(HistoryEvent.stream == stream,
                                                               HistoryEvent.type == kind)
                                    .order_by(HistoryEvent.seq)).scalars())


def protect(person: Person, body: dict[str, Any], number: str = NUMBER) -> Any:
    return person.post_json(f"/api/customers/{number}/protection", body)


def test_issue16_a_customer_marked_protected_after_the_batch_was_approved_is_not_cut(site: Site) -> None:
    """Issue 16 "must show": the mark, set through the API after approval and issuing, cancels the
    queued trip before it leaves; the flow hears it and nobody is cut."""
    u = site.utility
    owing(u, NUMBER)
    batch = apply_and_approve(u, [NUMBER])
    issue(u)  # the child queued its trip: in the outbox, not yet sent
    [trip] = commands(u)
    assert (trip.action, trip.status) == ("trip", "queued")
    sam = site.person("sam", "sysadmin")
    answer = protect(sam, {"kind": "life_support", "reason": "home oxygen concentrator"})
    assert answer.status_code == 200, answer.json
    assert answer.json["cancelled_commands"] == [trip.command_id] and answer.json["changed"] is True
    u.advance(timedelta(minutes=5))
    [child] = children(u, batch)
    assert child.status == "completed" and child.result["outcome"] == "cancelled_protected"
    assert u.customer(NUMBER).power_status == "connected"
    [cancelled] = commands(u)
    assert cancelled.status == "cancelled" and cancelled.sent_at is None and u.headend.pending() == 0
    [told] = events(site, "headend", "command.cancelled")
    assert told.data["command_id"] == trip.command_id and "protected (life_support) by sam" in told.data["reason"]
    [marked] = events(site, "archive", "customer.protection_changed")
    assert marked.actor == "sam" and marked.data["new"] == "life_support"
    assert marked.data["reason"] == "home oxygen concentrator"
    assert marked.data["cancelled_commands"] == [trip.command_id]
    customer = u.customer(NUMBER)
    assert (customer.protected_kind, customer.protected_by) == ("life_support", "sam")
    assert customer.protected_at == u.services.clock.now() - timedelta(minutes=5)
    page = sam.get(f"/customers/{NUMBER}").get_data(as_text=True)
    assert "home oxygen concentrator" in page and "由 sam 于" in page  # the page speaks Chinese by default


def test_issue16_a_customer_marked_on_the_page_before_issuing_is_not_cut(site: Site) -> None:
    """The batch was approved before the mark: the child's check before its trip finds it, and no
    command is ever queued (issue 16 item 4, "a batch created before the mark was set")."""
    u = site.utility
    owing(u, NUMBER)
    batch = apply_and_approve(u, [NUMBER])
    bo = site.person("bo-supervisor", "approver")
    saved = bo.post_form(f"/customers/{NUMBER}/protection", {"kind": "important", "reason": "county hospital"})
    assert saved.status_code == 302, saved.data
    issue(u)
    u.advance(timedelta(minutes=2))
    [child] = children(u, batch)
    assert child.result == {"customer": NUMBER, "outcome": "protected"}
    assert commands(u) == []


def test_issue16_only_supervisors_protect_and_a_reason_and_a_known_class_are_required(site: Site) -> None:
    u = site.utility
    owing(u, NUMBER)
    assert protect(site.person("ann", "applicant"), {"kind": "medical", "reason": "x"}).status_code == 403
    sam = site.person("sam", "sysadmin")
    no_reason = protect(sam, {"kind": "medical", "reason": "  "})
    assert no_reason.status_code == 422 and "reason" in no_reason.json["errors"]
    unknown = protect(sam, {"kind": "vip", "reason": "the mayor"})
    assert unknown.status_code == 422 and "life_support" in unknown.json["errors"]["kind"]
    page = sam.post_form(f"/customers/{NUMBER}/protection", {"kind": "vip", "reason": "the mayor"})
    assert page.status_code == 422 and "未知保护类别" in page.get_data(as_text=True)
    assert protect(sam, {"kind": "medical", "reason": "x"}, number="3499999999").status_code == 404
    assert u.customer(NUMBER).protected_kind is None and events(site, "archive", "customer.protection_changed") == []


def test_issue16_clearing_the_protection_needs_a_reason_and_is_recorded(site: Site) -> None:
    u = site.utility
    owing(u, NUMBER)
    sam = site.person("sam", "sysadmin")
    first = protect(sam, {"kind": "medical", "reason": "dialysis at home"})
    assert first.json["changed"] is True, first.json
    assert protect(sam, {"kind": "medical", "reason": "dialysis at home"}).json["changed"] is False  # nothing new
    cleared = protect(sam, {"kind": None, "reason": "moved to a care home"})
    assert cleared.status_code == 200 and cleared.json["old"] == "medical" and cleared.json["new"] is None
    customer = u.customer(NUMBER)
    assert (customer.protected_kind, customer.protected_reason, customer.protected_by) == (None, None, "sam")
    assert [e.data["new"] for e in events(site, "archive", "customer.protection_changed")] == ["medical", None]


def test_issue16_power_protect_goes_to_the_meter_through_the_outbox(site: Site) -> None:
    """The optional power-protect (3A): a meter command no flow waits for, sent and confirmed like
    every other; clearing with the box ticked takes it off (3B)."""
    u = site.utility
    owing(u, NUMBER)
    sam = site.person("sam", "sysadmin")
    answer = protect(sam, {"kind": "life_support", "reason": "ventilator", "meter_protect": True})
    assert answer.status_code == 200 and answer.json["meter_command"].startswith("HES-protect-")
    u.advance(timedelta(minutes=2))
    protect(sam, {"kind": None, "reason": "ventilator returned", "meter_protect": True})
    u.advance(timedelta(minutes=2))
    with u.services.db.reading() as session:
        sent = list(session.execute(select(MeterCommand).order_by(MeterCommand.id)).scalars())
    assert [(c.action, c.status, c.instance_id) for c in sent] == [
        ("protect_on", "executed", None), ("protect_off", "executed", None)]
    assert u.customer(NUMBER).power_status == "connected"
    [received, _off] = [e for e in events(site, "headend", "headend.result_received") if e.data["stage"] == "executed"]
    assert received.data["command_id"] == answer.json["meter_command"]


def test_issue16_power_protect_waits_for_a_busy_meter(site: Site) -> None:
    """A meter with a command in flight cannot take the power-protect now: the mark is set all the
    same and the answer names the command in the way."""
    u = site.utility
    owing(u, NUMBER)
    apply_and_approve(u, [NUMBER])
    issue(u)
    u.services.dispatcher.dispatch()  # the trip has left: it runs its course
    [trip] = commands(u)
    answer = protect(site.person("sam", "sysadmin"), {"kind": "important", "reason": "x", "meter_protect": True})
    assert answer.json["meter_busy_with"] == trip.command_id and answer.json["meter_command"] is None
    assert answer.json["cancelled_commands"] == [] and u.customer(NUMBER).protected_kind == "important"


def test_issue16_power_protect_over_dlt645_sets_the_meters_protect_bit(database_url: str, tmp_path: Path) -> None:
    """The same command to a DL/T 645 meter (the test peer behind a gateway): 1CH with N1 = 3A,
    done when status word 3 says power-protect is on; a later trip is refused by the meter."""
    with dlt645_utility(database_url, tmp_path) as (u, gateway):
        owing(u, NUMBER)
        meter = gateway.add("000000000011", relay_open=False)
        answer = protect(Site(u).person("sam", "sysadmin"),
                         {"kind": "life_support", "reason": "ventilator", "meter_protect": True})
        assert answer.status_code == 200, answer.json
        u.advance(POLL * 3, step=POLL)
        [command] = commands(u)
        assert (command.action, command.status, command.relay) == ("protect_on", "executed", "closed")
        assert meter.commands == [DLT645_ACTIONS["protect_on"]] and meter.protected is True
        assert u.customer(NUMBER).power_status == "connected"
