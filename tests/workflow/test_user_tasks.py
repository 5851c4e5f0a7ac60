"""Starting instances and completing user tasks: lanes are roles, claims are respected."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.bootstrap import Services
from app.runtime.actors import Actor
from app.runtime.errors import Conflict, Forbidden, NotFound
from storage.models import HistoryEvent, Instance, InstanceAttribute, OutboxMessage, UserTask
from tests.conftest import APPROVER, EXECUTOR, deploy


def open_tasks(services: Services, instance_id: int) -> list[UserTask]:
    with services.db.reading() as session:
        return list(session.execute(select(UserTask).where(UserTask.instance_id == instance_id)).scalars())


@pytest.fixture
def started(services: Services) -> int:
    deploy(services, "approval.bpmn")
    return services.runtime.start("approval", {"work_order": "10000042", "segment": "S-07"}, EXECUTOR)


def test_start_runs_to_the_first_user_task_in_its_lane(services: Services, started: int) -> None:
    [task] = open_tasks(services, started)
    assert (task.element_id, task.name, task.lane, task.claimed_by) == (
        "review", "Review the application", "approver", None)
    with services.db.reading() as session:
        assert session.get(Instance, started).status == "running"


def test_declared_attributes_are_searchable(services: Services, started: int) -> None:
    with services.db.reading() as session:
        found = session.execute(select(InstanceAttribute.instance_id).where(
            InstanceAttribute.name == "work_order", InstanceAttribute.value == "10000042")).scalars().all()
    assert found == [started]


def test_an_actor_without_the_lane_role_is_refused(services: Services, started: int) -> None:
    [task] = open_tasks(services, started)
    with pytest.raises(Forbidden, match="approver"):
        services.runtime.complete_task(task.id, {"decision": "approve"}, EXECUTOR)
    assert open_tasks(services, started)[0].id == task.id  # nothing changed


def test_a_task_claimed_by_someone_else_cannot_be_completed(services: Services, started: int) -> None:
    [task] = open_tasks(services, started)
    services.inbox.claim(task.id, Actor("bob", frozenset({"approver"})))
    with pytest.raises(Conflict, match="claimed by bob"):
        services.runtime.complete_task(task.id, {"decision": "approve"}, APPROVER)


def test_completion_routes_on_the_data_and_queues_the_effect(services: Services, started: int) -> None:
    [task] = open_tasks(services, started)
    services.runtime.complete_task(task.id, {"decision": "approve"}, APPROVER)
    with services.db.reading() as session:
        assert session.get(Instance, started).status == "completed"
        [row] = session.execute(select(OutboxMessage)).scalars()
        assert (row.adapter, row.payload, row.status) == ("sms", {"text": "approved: 10000042"}, "pending")
        completed = session.execute(select(HistoryEvent).where(
            HistoryEvent.instance_id == started, HistoryEvent.type == "task.completed")).scalar_one()
    assert completed.actor == "ann"
    assert completed.element_id == "review"
    assert completed.data["changes"] == {"decision": [None, "approve"]}
    assert open_tasks(services, started) == []


def test_rejection_takes_the_default_flow_and_sends_nothing(services: Services, started: int) -> None:
    [task] = open_tasks(services, started)
    services.runtime.complete_task(task.id, {"decision": "reject"}, APPROVER)
    with services.db.reading() as session:
        assert session.execute(select(OutboxMessage)).first() is None
        ended = session.execute(select(HistoryEvent.element_id).where(
            HistoryEvent.instance_id == started, HistoryEvent.type == "element.completed")).scalars().all()
    assert "end_rejected" in ended and "notify" not in ended


def test_a_completed_task_cannot_be_completed_twice(services: Services, started: int) -> None:
    [task] = open_tasks(services, started)
    services.runtime.complete_task(task.id, {"decision": "reject"}, APPROVER)
    with pytest.raises(NotFound, match="not open"):
        services.runtime.complete_task(task.id, {"decision": "approve"}, APPROVER)


def test_starting_an_unknown_process_is_a_clear_error(services: Services) -> None:
    with pytest.raises(NotFound, match="no deployed process has the id 'nope'"):
        services.runtime.start("nope", {}, EXECUTOR)


def test_a_form_without_a_validator_cannot_overwrite_what_the_process_holds(services: Services, started: int) -> None:
    from app.runtime.forms import FormInvalid

    [task] = open_tasks(services, started)
    with pytest.raises(FormInvalid, match="work_order: set by the process"):
        services.runtime.complete_task(task.id, {"decision": "approve", "work_order": "99999999"}, APPROVER)
    assert open_tasks(services, started)[0].id == task.id


def test_attributes_change_and_clear_with_old_and_new_recorded(services: Services) -> None:
    from storage.instances import attributes_of

    deploy(services, "retag.bpmn")
    instance_id = services.runtime.start("retag", {}, EXECUTOR)
    with services.db.reading() as session:
        assert attributes_of(session, instance_id) == {"stage": "one", "owner": "ann"}
        [task] = session.execute(select(UserTask.id).where(UserTask.instance_id == instance_id)).scalars()
    services.runtime.complete_task(task, {}, EXECUTOR)
    with services.db.reading() as session:
        assert attributes_of(session, instance_id) == {"stage": "two"}
        changes = [(e.data["name"], e.data["old"], e.data["new"]) for e in session.execute(
            select(HistoryEvent).where(HistoryEvent.instance_id == instance_id, HistoryEvent.type == "attribute.set")
            .order_by(HistoryEvent.seq)).scalars()]
    assert changes == [("stage", None, "one"), ("owner", None, "ann"), ("stage", "one", "two"), ("owner", "ann", None)]
