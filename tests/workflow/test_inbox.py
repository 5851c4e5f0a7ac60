"""Claim, unclaim, reassign: cheap (no engine step), recorded in the history."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.accounts import users
from app.bootstrap import Services
from app.runtime.actors import Actor
from app.runtime.errors import Conflict, Forbidden
from app.runtime.inbox import Inbox, InboxPolicy
from storage.models import HistoryEvent, Instance, UserTask
from tests.conftest import APPROVER, EXECUTOR, SYSADMIN, deploy

BOB = Actor("bob", frozenset({"approver"}))


@pytest.fixture
def task_id(services: Services) -> str:
    deploy(services, "approval.bpmn")
    with services.db.transaction() as session:
        users.create_user(session, services.clock, SYSADMIN, "bob", "Bob", ["approver"], "password-1")
        users.create_user(session, services.clock, SYSADMIN, "erin", "Erin", ["executor"], "password-2")
    services.runtime.start("approval", {"work_order": "7", "segment": "S"}, EXECUTOR)
    with services.db.reading() as session:
        return str(session.execute(select(UserTask.id)).scalar_one())


def claimed_by(services: Services, task_id: str) -> str | None:
    with services.db.reading() as session:
        task = session.get(UserTask, task_id)
        assert task is not None
        return task.claimed_by


def test_two_people_claiming_the_same_task_one_wins_the_other_is_told(services: Services, task_id: str) -> None:
    services.inbox.claim(task_id, APPROVER)
    with pytest.raises(Conflict, match="already claimed by ann"):
        services.inbox.claim(task_id, BOB)
    assert claimed_by(services, task_id) == "ann"


def test_claiming_needs_the_lane_role(services: Services, task_id: str) -> None:
    with pytest.raises(Forbidden, match="approver"):
        services.inbox.claim(task_id, EXECUTOR)


def test_claims_do_not_step_the_engine_but_are_in_the_history(services: Services, task_id: str) -> None:
    with services.db.reading() as session:
        state_before = session.execute(select(Instance.state)).scalar_one()
    services.inbox.claim(task_id, APPROVER)
    services.inbox.unclaim(task_id, APPROVER)
    services.inbox.reassign(task_id, "bob", SYSADMIN)
    with services.db.reading() as session:
        assert session.execute(select(Instance.state)).scalar_one() == state_before
        events = session.execute(select(HistoryEvent).where(HistoryEvent.type.like("task.%"))
                                 .order_by(HistoryEvent.seq)).scalars().all()
    assert [(e.type, e.actor) for e in events] == [
        ("task.claimed", "ann"), ("task.unclaimed", "ann"), ("task.reassigned", "sam")]
    assert events[2].data["old"] is None and events[2].data["new"] == "bob"
    assert claimed_by(services, task_id) == "bob"


def test_reassigning_to_someone_without_the_lane_role_is_refused(services: Services, task_id: str) -> None:
    with pytest.raises(Forbidden, match="erin does not hold"):
        services.inbox.reassign(task_id, "erin", APPROVER)
    assert claimed_by(services, task_id) is None


def test_only_the_claimer_or_a_supervisor_releases_a_claim(services: Services, task_id: str) -> None:
    peers_only = Inbox(services.db, services.clock, InboxPolicy(lane_supervisors=frozenset()))
    peers_only.claim(task_id, APPROVER)
    with pytest.raises(Forbidden, match="claimed by ann"):
        peers_only.unclaim(task_id, BOB)
    with pytest.raises(Forbidden, match="only they or a supervisor"):
        peers_only.reassign(task_id, "bob", BOB)
    peers_only.unclaim(task_id, SYSADMIN)
    assert claimed_by(services, task_id) is None


def test_an_approver_may_take_over_a_task_in_their_lane(services: Services, task_id: str) -> None:
    services.inbox.claim(task_id, APPROVER)
    services.inbox.reassign(task_id, "bob", BOB)
    assert claimed_by(services, task_id) == "bob"


def test_the_claimer_completes_the_task(services: Services, task_id: str) -> None:
    services.inbox.claim(task_id, BOB)
    services.runtime.complete_task(task_id, {"decision": "reject"}, BOB)
    with services.db.reading() as session:
        assert session.execute(select(Instance.status)).scalar_one() == "completed"
