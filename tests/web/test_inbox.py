"""The inbox (GET /tasks, /api/tasks) and claim / unclaim / reassign, on the real processes and both
backends: disconnection batches started by an applicant, manual reconnections opened by the patrol."""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from app.runtime.actors import Actor
from app.usecases.reconnections import reconnect_if_due
from storage.models import HistoryEvent, UserTask
from tests.utility import BPMN_DIR, DEPLOYER, seed_customer, seed_segment
from tests.web.conftest import Person, Site

APPLICANT = Actor("reader-rui", frozenset({"applicant"}))  # the reader of segment S01
PLANNED = str(date(2026, 3, 2))  # the day of NOW (Beijing)
UNKNOWN = str(uuid.UUID(int=7))


# -- the tasks: real instances through the runtime ------------------------------------------

def owing(site: Site, number: str, segment: str = "S01") -> None:
    seed_customer(site.services, number, power_status="connected", owed_cents=32_000,
                  overdue_since=date(2026, 1, 10), segment_code=segment)


def open_task(site: Site, instance_id: int, element_id: str | None = None) -> UserTask:
    with site.services.db.reading() as session:
        query = select(UserTask).where(UserTask.instance_id == instance_id)
        if element_id:
            query = query.where(UserTask.element_id == element_id)
        return session.execute(query).scalar_one()


def application(site: Site) -> str:
    """A disconnection just started: its "apply" task (lane applicant), no customers yet."""
    return open_task(site, site.services.runtime.start("disconnect", {}, APPLICANT), "apply").id


def approval(site: Site, *numbers: str) -> str:
    """A batch of owing customers, applied for: its "approve" task (lane approver)."""
    for number in numbers:
        owing(site, number)
    batch = site.services.runtime.start("disconnect", {}, APPLICANT)
    site.services.runtime.complete_task(open_task(site, batch, "apply").id, {
        "customers": list(numbers), "reason": "arrears over 60 days", "planned_date": PLANNED}, APPLICANT)
    return open_task(site, batch, "approve").id


def on_site(site: Site, number: str, segment: str = "S01") -> str:
    """A customer without the auto-reconnect flag who paid: a manual reconnection (lane executor)."""
    seed_customer(site.services, number, auto_reconnect=False, segment_code=segment)
    instance_id = reconnect_if_due(site.services.runtime, number, "patrol")
    assert instance_id is not None
    return open_task(site, instance_id, "on_site").id


def task(site: Site, task_id: str) -> UserTask:
    with site.services.db.reading() as session:
        found = session.get(UserTask, task_id)
        assert found is not None
        return found


def inbox_events(site: Site) -> int:
    with site.services.db.reading() as session:
        return session.execute(select(func.count()).select_from(HistoryEvent)
                               .where(HistoryEvent.type.like("task.%claimed"))).scalar_one() + \
            session.execute(select(func.count()).select_from(HistoryEvent)
                            .where(HistoryEvent.type == "task.reassigned")).scalar_one()


def ids(response: Any) -> list[str]:
    assert response.status_code == 200, response.data
    return [row["id"] for row in response.json["rows"]]


@pytest.fixture
def people(site: Site) -> dict[str, Person]:
    return {"erin": site.person("erin", "executor"), "ed": site.person("ed", "executor"),
            "bo": site.person("bo", "approver"), "bea": site.person("bea", "approver"),
            "sam": site.person("sam", "sysadmin"), "rui": site.person("reader-rui", "applicant"),
            "audrey": site.person("audrey", "auditor")}


# -- tabs ------------------------------------------------------------------------------------

def test_each_role_sees_its_groups_tasks_and_approvers_see_all(site: Site, people: dict[str, Person]) -> None:
    apply_id, approve_id, reconnect_id = application(site), approval(site, "3400000011"), on_site(site, "3400000021")

    assert ids(people["erin"].get("/api/tasks?tab=groups")) == [reconnect_id]
    assert ids(people["bo"].get("/api/tasks?tab=groups")) == [approve_id]
    assert ids(people["rui"].get("/api/tasks")) == [apply_id]  # groups is the default tab
    # an application not yet sent on is its author's draft (issue 13 item 6): nobody else lists it
    assert sorted(ids(people["bo"].get("/api/tasks?tab=all"))) == sorted([approve_id, reconnect_id])
    assert len(ids(people["sam"].get("/api/tasks?tab=all"))) == 2
    assert people["erin"].get("/api/tasks?tab=all").status_code == 403
    assert ids(people["audrey"].get("/api/tasks")) == []

    assert people["erin"].post_json(f"/api/tasks/{reconnect_id}/claim").status_code == 200
    assert ids(people["erin"].get("/api/tasks?tab=mine")) == [reconnect_id]
    assert ids(people["erin"].get("/api/tasks?tab=groups")) == []
    assert ids(people["ed"].get("/api/tasks?tab=groups")) == []  # claimed: no longer the group's
    [row] = [r for r in people["bo"].get("/api/tasks?tab=all").json["rows"] if r["id"] == reconnect_id]
    assert row["claimed_by"] == "erin"


def test_the_page_lists_the_tab_with_counts_links_and_actions(site: Site, people: dict[str, Person]) -> None:
    reconnect_id = on_site(site, "3400000021")
    page = people["erin"].get("/tasks")
    text = page.data.decode()
    assert page.status_code == 200
    assert "我组的待办" in text and "全部待办" not in text  # executors have no "all open tasks" tab
    assert f'href="/tasks/{reconnect_id}"' in text and "现场复电" in text
    assert "3400000021" in text and "140000000001" in text and "认领" in text
    assert "全部待办" in people["bo"].get("/tasks").data.decode()

    claimed = people["erin"].post_form(f"/tasks/{reconnect_id}/claim?tab=groups")
    assert claimed.status_code == 303 and claimed.location.endswith(f"/tasks/{reconnect_id}")  # claimed to do it
    mine = people["erin"].get("/tasks").data.decode()  # with a task claimed, "my tasks" opens first
    assert "已认领" in mine and f'data-task-id="{reconnect_id}"' in mine and "释放" in mine
    english = people["erin"].get("/tasks?lang=en").data.decode()
    assert "My tasks" in english and '>Reconnect on site</a>' in english


def test_rows_show_number_customers_segment_age_and_due(site: Site, people: dict[str, Person]) -> None:
    approve_id = approval(site, "3400000011", "3400000012", "3400000013", "3400000014")
    reconnect_id = on_site(site, "3400000021")
    site.utility.clock.shift(timedelta(hours=5))
    rows = {r["id"]: r for r in people["bo"].get("/api/tasks?tab=all").json["rows"]}

    batch = rows[approve_id]
    assert batch["order_number"] is None and batch["batch_id"] == task(site, approve_id).instance_id
    assert batch["customer_count"] == 4 and [c["number"] for c in batch["customers"]] == ["3400000011", "3400000012"]
    assert batch["segments"] == ["S01"] and batch["process_name"] == "Disconnection for arrears"
    assert (batch["age_seconds"], batch["overdue"]) == (5 * 3600, False)  # approval: P1D in the diagram
    reconnect = rows[reconnect_id]
    assert reconnect["order_number"] == "140000000001"
    assert reconnect["customers"] == [{"number": "3400000021", "name": "Customer 3400000021"}]
    assert reconnect["overdue"] is True  # on-site reconnection: PT4H in the diagram
    assert task(site, reconnect_id).due_at == task(site, reconnect_id).created_at + timedelta(hours=4)

    html = people["bo"].get("/tasks?tab=all").data.decode()
    assert "共 4 户" in html and "超期1小时" in html and 'class="overdue"' in html


# -- filters, order, paging -------------------------------------------------------------------

def test_filters_by_process_task_segment_customer_and_overdue(site: Site, people: dict[str, Person]) -> None:
    seed_segment(site.services, "S02", reader="reader-sue", mobile="13900000002")
    apply_id, approve_id = application(site), approval(site, "3400000011")
    north = on_site(site, "3400000021")
    site.utility.clock.shift(timedelta(hours=3))
    south = on_site(site, "3400000022", segment="S02")
    site.utility.clock.shift(timedelta(hours=2))  # north is 5 h old (overdue), south 2 h
    bo = people["bo"]

    assert sorted(ids(bo.get("/api/tasks?tab=all&process=reconnect"))) == sorted([north, south])
    assert ids(bo.get("/api/tasks?tab=all&process=disconnect")) == [approve_id]  # not rui's draft
    assert ids(people["rui"].get("/api/tasks?process=disconnect")) == [apply_id]
    assert ids(bo.get("/api/tasks?tab=all&task=approve")) == [approve_id]
    assert ids(bo.get("/api/tasks?tab=all&segment=S02")) == [south]
    assert sorted(ids(bo.get("/api/tasks?tab=all&segment=S01"))) == sorted([approve_id, north])  # a batch too
    assert ids(bo.get("/api/tasks?tab=all&customer=3400000011")) == [approve_id]
    assert ids(bo.get("/api/tasks?tab=all&overdue=1")) == [north]
    assert ids(bo.get("/api/tasks?tab=all&overdue=1&segment=S02")) == []
    assert ids(people["erin"].get("/api/tasks?segment=S02&process=reconnect")) == [south]
    page = bo.get("/tasks?tab=all&segment=S02").data.decode()
    assert f'data-task-id="{south}"' in page and f'data-task-id="{north}"' not in page


def test_order_and_pages_cover_every_task_once(site: Site, people: dict[str, Person]) -> None:
    opened = []
    for n in range(7):
        opened.append(on_site(site, f"34000000{30 + n}"))
        site.utility.clock.shift(timedelta(minutes=10))
    erin = people["erin"]

    pages = [erin.get(f"/api/tasks?size=3&page={page}&sort=age").json for page in (1, 2, 3)]
    assert [p["total"] for p in pages] == [7, 7, 7] and [p["pages"] for p in pages] == [3, 3, 3]
    assert [row["id"] for p in pages for row in p["rows"]] == opened  # oldest first, each once
    assert ids(erin.get("/api/tasks?size=3&sort=-age")) == opened[::-1][:3]
    assert ids(erin.get("/api/tasks?size=2&page=4")) == [opened[6]]  # due order: same due time order
    assert ids(erin.get("/api/tasks?size=3&page=9")) == []
    html = erin.get("/tasks?size=3&page=2").data.decode()
    assert "第 2 页" in html and "page=3" in html and "page=1" not in html  # page 1 is the bare URL
    assert 'rel="prev"' in html and 'rel="next"' in html


@pytest.mark.parametrize("query", ["tab=everything", "sort=colour", "page=0", "size=500", "page=x",
                                   "overdue=maybe", "segment=" + "S" * 65])
def test_bad_list_arguments_are_a_400_naming_them(site: Site, people: dict[str, Person], query: str) -> None:
    response = people["erin"].get(f"/api/tasks?{query}")
    assert response.status_code == 400
    assert query.split("=")[0] in response.json["error"]
    assert people["erin"].get(f"/tasks?{query}").status_code == 400


def test_signing_in_is_needed(site: Site) -> None:
    anonymous = site.anonymous()
    assert anonymous.get("/api/tasks").status_code == 401
    page = anonymous.get("/tasks")
    assert page.status_code == 302 and "/login" in page.location


# -- claim, unclaim, reassign -----------------------------------------------------------------

def test_two_people_claim_one_task_one_wins_the_other_is_told(site: Site, people: dict[str, Person]) -> None:
    reconnect_id = on_site(site, "3400000021")
    first = people["erin"].post_json(f"/api/tasks/{reconnect_id}/claim")
    second = people["ed"].post_json(f"/api/tasks/{reconnect_id}/claim")
    assert first.status_code == 200 and first.json["task"]["claimed_by"] == "erin"
    assert first.json["task"]["actions"] == {"claim": False, "unclaim": True, "reassign": True}
    assert second.status_code == 409 and second.json["error"] == f"task {reconnect_id} is already claimed by erin"

    by_form = people["ed"].post_form(f"/tasks/{reconnect_id}/claim?tab=groups")
    assert by_form.status_code == 409 and "已被 erin 认领" in by_form.data.decode()
    assert task(site, reconnect_id).claimed_by == "erin" and inbox_events(site) == 1


def test_release_is_for_the_claimant_or_a_supervisor_of_the_lane(site: Site, people: dict[str, Person]) -> None:
    reconnect_id, approve_id = on_site(site, "3400000021"), approval(site, "3400000011")
    people["erin"].post_json(f"/api/tasks/{reconnect_id}/claim")
    people["bo"].post_json(f"/api/tasks/{approve_id}/claim")

    refused = people["ed"].post_json(f"/api/tasks/{reconnect_id}/unclaim")
    assert refused.status_code == 403 and "only they can release it" in refused.json["error"]
    assert people["bea"].post_json(f"/api/tasks/{reconnect_id}/unclaim").status_code == 403  # not her lane
    assert task(site, reconnect_id).claimed_by == "erin" and inbox_events(site) == 2

    assert people["bea"].post_json(f"/api/tasks/{approve_id}/unclaim").status_code == 200  # approver in her lane
    released = people["sam"].post_form(f"/tasks/{reconnect_id}/unclaim?tab=all")  # sysadmin: any lane
    assert released.status_code == 303
    assert task(site, reconnect_id).claimed_by is None and task(site, approve_id).claimed_by is None
    assert ids(people["ed"].get("/api/tasks")) == [reconnect_id]


def test_reassign_hands_a_task_on_within_its_lane(site: Site, people: dict[str, Person]) -> None:
    reconnect_id, approve_id = on_site(site, "3400000021"), approval(site, "3400000011")
    people["erin"].post_json(f"/api/tasks/{reconnect_id}/claim")

    handed = people["erin"].post_json(f"/api/tasks/{reconnect_id}/reassign", {"to": "ed"})  # the claimant
    assert handed.status_code == 200 and handed.json["task"]["claimed_by"] == "ed"
    assert ids(people["ed"].get("/api/tasks?tab=mine")) == [reconnect_id]
    taken = people["erin"].post_json(f"/api/tasks/{reconnect_id}/reassign", {"to": "erin"})
    assert taken.status_code == 403 and "supervisor" in taken.json["error"]
    outsider = people["ed"].post_json(f"/api/tasks/{reconnect_id}/reassign", {"to": "bo"})
    assert outsider.status_code == 403 and "executor" in outsider.json["error"]
    assert people["ed"].post_json(f"/api/tasks/{reconnect_id}/reassign", {"to": "nobody"}).status_code == 404
    assert task(site, reconnect_id).claimed_by == "ed"

    people["bo"].post_json(f"/api/tasks/{approve_id}/claim")
    form = people["bea"].post_form(f"/tasks/{approve_id}/reassign?tab=all", {"to": "bea"})  # approver, own lane
    assert form.status_code == 303 and task(site, approve_id).claimed_by == "bea"
    assert people["bea"].post_form(f"/tasks/{approve_id}/reassign?tab=all", {"to": ""}).status_code == 400


def test_wrong_role_is_refused_and_nothing_changes(site: Site, people: dict[str, Person]) -> None:
    reconnect_id = on_site(site, "3400000021")
    refused = people["audrey"].post_json(f"/api/tasks/{reconnect_id}/claim")
    assert refused.status_code == 403 and "executor" in refused.json["error"]
    assert people["bo"].post_form(f"/tasks/{reconnect_id}/claim").status_code == 403
    assert people["audrey"].post_json(f"/api/tasks/{reconnect_id}/reassign", {"to": "erin"}).status_code == 403
    assert people["erin"].get("/tasks?tab=all").status_code == 403
    assert task(site, reconnect_id).claimed_by is None and inbox_events(site) == 0


ACTIONS = ("claim", "unclaim", "reassign")


@pytest.mark.parametrize("action", ACTIONS)
def test_a_post_without_the_csrf_token_is_a_400_and_changes_nothing(site: Site, people: dict[str, Person],
                                                                     action: str) -> None:
    reconnect_id = on_site(site, "3400000021")
    if action != "claim":
        people["erin"].post_json(f"/api/tasks/{reconnect_id}/claim")
    before = (task(site, reconnect_id).claimed_by, inbox_events(site))
    body = {"to": "ed"}
    assert people["erin"].post_json(f"/api/tasks/{reconnect_id}/{action}", body, csrf=False).status_code == 400
    assert people["erin"].post_form(f"/tasks/{reconnect_id}/{action}", body, csrf=False).status_code == 400
    assert (task(site, reconnect_id).claimed_by, inbox_events(site)) == before


@pytest.mark.parametrize("action", ACTIONS)
@pytest.mark.parametrize("raw", [b"{not json", b"[1, 2]", b'"ed"'])
def test_malformed_json_is_a_400_and_changes_nothing(site: Site, people: dict[str, Person], action: str,
                                                     raw: bytes) -> None:
    reconnect_id = on_site(site, "3400000021")
    if action != "claim":
        people["erin"].post_json(f"/api/tasks/{reconnect_id}/claim")
    before = (task(site, reconnect_id).claimed_by, inbox_events(site))
    response = people["erin"].post_raw(f"/api/tasks/{reconnect_id}/{action}", raw)
    assert response.status_code == 400 and "JSON" in response.json["error"]
    assert (task(site, reconnect_id).claimed_by, inbox_events(site)) == before


def test_reassign_without_a_username_is_a_400(site: Site, people: dict[str, Person]) -> None:
    reconnect_id = on_site(site, "3400000021")
    for body in ({}, {"to": ""}, {"to": 7}):
        response = people["erin"].post_json(f"/api/tasks/{reconnect_id}/reassign", body)
        assert response.status_code == 400 and "to" in response.json["error"]
    assert task(site, reconnect_id).claimed_by is None and inbox_events(site) == 0


@pytest.mark.parametrize("action", ACTIONS)
@pytest.mark.parametrize("task_id", [UNKNOWN, "not-a-task"])
def test_an_unknown_task_is_a_404(site: Site, people: dict[str, Person], action: str, task_id: str) -> None:
    body = {"to": "erin"} if action == "reassign" else {}  # claim and unclaim refuse a field they do not take
    response = people["sam"].post_json(f"/api/tasks/{task_id}/{action}", body)
    assert response.status_code == 404 and "not open" in response.json["error"]
    page = people["sam"].post_form(f"/tasks/{task_id}/{action}", {"to": "erin"})
    assert page.status_code == 404 and "已不在待办中" in page.data.decode()  # the page: Chinese
    assert inbox_events(site) == 0


def test_every_inbox_endpoint_is_in_the_openapi_document(site: Site) -> None:
    paths = site.anonymous().get("/api/openapi.json").json["paths"]
    assert "get" in paths["/api/tasks"]
    for action in ACTIONS:
        assert "post" in paths[f"/api/tasks/{{task_id}}/{action}"]


# -- who gets the on-site reconnection first (issue 10 item 18) --------------------------------

def test_18_the_on_site_reconnection_is_offered_to_the_segments_reader_and_stays_the_lanes(site: Site) -> None:
    task_id = on_site(site, "3400000021")
    rui, erin = site.person("reader-rui", "applicant", "executor"), site.person("erin", "executor")
    assert task(site, task_id).offered_to == "reader-rui"  # S01's reader, as the SMS tells them (M5.3)
    assert ids(rui.get("/api/tasks?tab=mine")) == [task_id]
    assert rui.get("/api/tasks?tab=mine").json["rows"][0]["offered_to"] == "reader-rui"
    assert "offered to reader-rui" in rui.get("/tasks?tab=mine&lang=en").data.decode()
    assert ids(erin.get("/api/tasks?tab=mine")) == []
    assert ids(erin.get("/api/tasks?tab=groups")) == [task_id]  # any executor may still take it

    assert erin.post_json(f"/api/tasks/{task_id}/claim").status_code == 200
    assert ids(rui.get("/api/tasks?tab=mine")) == []
    assert ids(erin.get("/api/tasks?tab=mine")) == [task_id]


def test_18_a_reader_without_the_lanes_role_is_not_offered_what_they_cannot_do(site: Site) -> None:
    task_id = on_site(site, "3400000021")
    rui = site.person("reader-rui", "applicant")
    assert ids(rui.get("/api/tasks?tab=mine")) == []
    assert task(site, task_id).offered_to == "reader-rui"


def test_18_whom_the_task_is_offered_to_is_the_diagrams_choice(site: Site) -> None:
    edited = (BPMN_DIR / "reconnect.bpmn").read_text().replace(
        'name="offer_to" value="customer.get(&#39;reader&#39;)"', 'name="offer_to" value="&#39;erin&#39;"')
    site.services.deploy_files({"reconnect.bpmn": edited.encode()}, DEPLOYER)
    task_id = on_site(site, "3400000021")
    assert task(site, task_id).offered_to == "erin"
    assert ids(site.person("erin", "executor").get("/api/tasks?tab=mine")) == [task_id]
