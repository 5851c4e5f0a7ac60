"""The runtime's main paths on each database backend (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import timedelta

import time_machine
from sqlalchemy import select

from app.bootstrap import Services
from app.runtime.actors import Actor
from storage.models import Incident, Instance, UserTask
from tests.conftest import APPROVER, EXECUTOR, deploy
from tests.doubles import TestHandlers


def status(services: Services, instance_id: int) -> str:
    with services.db.reading() as session:
        row = session.get(Instance, instance_id)
        assert row is not None
        return row.status


def test_user_task_message_and_timer_paths(backend_services: Services, clock: time_machine.Coordinates) -> None:
    services = backend_services
    deploy(services, "approval.bpmn", "await_result.bpmn", "timer_wait.bpmn")
    approval = services.runtime.start("approval", {"work_order": "1", "segment": "S"}, EXECUTOR)
    with services.db.reading() as session:
        task_id = session.execute(select(UserTask.id)).scalar_one()
    services.inbox.claim(task_id, APPROVER)
    services.runtime.complete_task(task_id, {"decision": "approve"}, APPROVER)
    assert status(services, approval) == "completed"

    waiting = services.runtime.start("await_result", {"target": "M", "result_timeout": "PT30M"}, EXECUTOR)
    delivered = services.runtime.deliver_message("command_result", f"CMD-{waiting}-M", {"ok": True},
                                                 Actor.system("headend"), message_key="k1")
    assert delivered.outcome == "delivered"
    duplicate = services.runtime.deliver_message("command_result", f"CMD-{waiting}-M", {"ok": True},
                                                 Actor.system("headend"), message_key="k1")
    assert duplicate.outcome == "duplicate"

    timer = services.runtime.start("timer_wait", {}, EXECUTOR)
    clock.shift(timedelta(hours=2))
    assert services.runtime.wake_due() == 0
    clock.shift(timedelta(seconds=1))
    assert services.runtime.wake_due() == 1
    assert status(services, timer) == "completed"
    assert services.dispatcher.dispatch() == 2  # the approval's SMS and the command to the head-end


def test_incident_and_retry(backend_services: Services, handlers: TestHandlers) -> None:
    services = backend_services
    deploy(services, "flaky.bpmn")
    handlers.flaky_failures = 1
    instance_id = services.runtime.start("flaky", {}, EXECUTOR)
    assert status(services, instance_id) == "incident"
    services.runtime.retry_incident(instance_id, Actor("olga", frozenset({"executor"})))
    assert status(services, instance_id) == "completed"
    with services.db.reading() as session:
        assert session.execute(select(Incident.resolved_by)).scalar_one() == "olga"


def test_children_on_each_backend(backend_services: Services, clock: time_machine.Coordinates) -> None:
    services = backend_services
    deploy(services, "batch.bpmn", "batch_item.bpmn")
    parent = services.runtime.start("batch", {"count": 20}, EXECUTOR)
    clock.shift(timedelta(hours=1, seconds=1))
    assert services.runtime.wake_due() == 20
    assert services.runtime.recover() == 1  # the worker's tick wakes the parent
    with services.db.reading() as session:
        row = session.get(Instance, parent)
    assert row is not None and row.result == {"total": 380, "count": 20}
