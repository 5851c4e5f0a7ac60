"""Issue 5, part 1 — complete history: every step and every operator's action on an instance
writes the event ARCHITECTURE "History" lists, in the instance's stream, with its actor, the
(frozen) time, the deployment it ran on and, where a value changes, old → new.

Each test acts through the runtime's public entry points (start, complete_task, deliver_message,
wake_due, retry_incident, suspend/resume/terminate, the inbox, the outbox dispatcher, deploy)
and asserts the exact event.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
import time_machine
from sqlalchemy import select

from app.accounts.users import create_user
from app.bootstrap import Services
from app.runtime.actors import Actor
from app.runtime.events import history
from storage.models import Instance, ProcessVersion, UserTask, WaitingMessage
from tests.conftest import APPROVER, EXECUTOR, START, SYSADMIN, TEST_BPMN, deploy
from tests.doubles import RecordingAdapter, TestHandlers
from tests.integration.history_support import Seen, events, the_event

HEADEND = Actor.system("headend")


@pytest.fixture
def services(clock: time_machine.Coordinates, backend_services: Services) -> Services:
    deploy(backend_services, "approval.bpmn", "await_result.bpmn", "timer_wait.bpmn", "flaky.bpmn", "keyed.bpmn")
    return backend_services


def deployment_of(services: Services, instance_id: int) -> int:
    with services.db.reading() as session:
        return session.execute(select(ProcessVersion.deployment_id).join(
            Instance, Instance.process_version_id == ProcessVersion.id).where(Instance.id == instance_id)).scalar_one()


def stream_of(instance_id: int) -> str:
    return history.instance_stream(instance_id)


def open_task(services: Services, instance_id: int) -> str:
    with services.db.reading() as session:
        return session.execute(select(UserTask.id).where(UserTask.instance_id == instance_id)).scalar_one()


def approval(services: Services) -> int:
    return services.runtime.start("approval", {"work_order": "5", "segment": "S"}, EXECUTOR)


def instance_event(services: Services, instance_id: int, kind: str, element_id: str | None = None) -> Seen:
    found = [e for e in events(services, stream_of(instance_id), kind)
             if element_id is None or e.element_id == element_id]
    assert len(found) == 1, f"expected one {kind} {element_id or ''} in instance {instance_id}: {found}"
    return found[0]


# --- instance start, elements, attributes, end -----------------------------------------------

def test_start_records_who_started_what_with_which_data(services: Services) -> None:
    """Issue 5: an instance's first event names its process, start data, starter and deployment."""
    instance_id = approval(services)
    assert instance_event(services, instance_id, "instance.started") == Seen(
        stream_of(instance_id), "instance.started", None, EXECUTOR.name, START, deployment_of(services, instance_id),
        {"process_id": "approval", "data": {"work_order": "5", "segment": "S"}})


@pytest.mark.parametrize(("kind", "element_id"), [
    ("element.completed", "start"), ("element.completed", "tag"), ("element.ready", "review"),
])
def test_elements_entered_and_completed_are_recorded(services: Services, kind: str, element_id: str) -> None:
    """ARCHITECTURE "History": element entered (a user task becomes ready) and completed."""
    instance_id = approval(services)
    event = instance_event(services, instance_id, kind, element_id)
    assert (event.actor, event.at, event.deployment_id) == (EXECUTOR.name, START, deployment_of(services, instance_id))


def test_a_cancelled_element_is_recorded(services: Services) -> None:
    """ARCHITECTURE "History": element cancelled — the timeout boundary, once the result came."""
    instance_id = services.runtime.start("await_result", {"target": "M", "result_timeout": "PT30M"}, EXECUTOR)
    services.runtime.deliver_message("command_result", f"CMD-{instance_id}-M", {"ok": True}, HEADEND)
    event = instance_event(services, instance_id, "element.cancelled", "result_timeout")
    assert (event.actor, event.at) == (HEADEND.name, START)


def test_a_searchable_attribute_is_recorded_old_to_new(services: Services) -> None:
    """Issue 5: a value set by a step is recorded old → new."""
    instance_id = approval(services)
    [first, second] = events(services, stream_of(instance_id), "attribute.set")
    assert (first.data, second.data) == ({"name": "work_order", "old": None, "new": "5"},
                                         {"name": "segment", "old": None, "new": "S"})


def test_the_end_of_an_instance_is_recorded_with_its_result(services: Services) -> None:
    instance_id = services.runtime.start("await_result", {"target": "M", "result_timeout": "PT30M"}, EXECUTOR)
    services.runtime.deliver_message("command_result", f"CMD-{instance_id}-M", {"ok": True}, HEADEND)
    event = instance_event(services, instance_id, "instance.completed")
    assert (event.actor, event.at, event.data) == (HEADEND.name, START, {"result": {"ok": True}, "reason": None})


# --- user tasks: claims and completion ---------------------------------------------------------

def _make_approver(services: Services, username: str) -> None:
    with services.db.transaction() as session:
        create_user(session, services.clock, SYSADMIN, username, username, ["approver"])


@pytest.mark.parametrize(("actions", "kind", "actor", "change"), [
    (["claim"], "task.claimed", "ann", {"old": None, "new": "ann"}),
    (["claim", "unclaim"], "task.unclaimed", "ann", {"old": "ann", "new": None}),
    (["claim", "reassign"], "task.reassigned", "ann", {"old": "ann", "new": "bob"}),
])
def test_claims_releases_and_reassignments_are_recorded_old_to_new(
        services: Services, actions: list[str], kind: str, actor: str, change: dict[str, Any]) -> None:
    """Issue 5: who held a user task, before and after, for every claim, release and hand-over."""
    _make_approver(services, "bob")
    instance_id = approval(services)
    task_id = open_task(services, instance_id)
    for action in actions:
        if action == "reassign":
            services.inbox.reassign(task_id, "bob", APPROVER)
        else:
            getattr(services.inbox, action)(task_id, APPROVER)
    assert instance_event(services, instance_id, kind) == Seen(
        stream_of(instance_id), kind, "review", actor, START, deployment_of(services, instance_id),
        {"task_id": task_id, **change})


def test_a_completed_task_records_its_form_data_and_the_changes_old_to_new(services: Services) -> None:
    """Issue 5: user-task completion with the form data (old → new)."""
    instance_id = approval(services)
    task_id = open_task(services, instance_id)
    services.runtime.complete_task(task_id, {"decision": "approve"}, APPROVER)
    assert instance_event(services, instance_id, "task.completed") == Seen(
        stream_of(instance_id), "task.completed", "review", APPROVER.name, START, deployment_of(services, instance_id),
        {"task_id": task_id, "data": {"decision": "approve"}, "changes": {"decision": [None, "approve"]}})


# --- handler calls, incidents, retries ---------------------------------------------------------

def test_a_handler_call_is_recorded_with_its_parameters_and_result(services: Services) -> None:
    """ARCHITECTURE "History": every handler call with its parameters and result."""
    instance_id = services.runtime.start("await_result", {"target": "M", "result_timeout": "PT30M"}, EXECUTOR)
    event = instance_event(services, instance_id, "service.called", "send_command")
    assert (event.actor, event.at, event.data) == (EXECUTOR.name, START, {
        "operator": "test.command", "params": {"target": "M"}, "result": {"command_id": f"CMD-{instance_id}-M"}})


def test_a_failed_handler_call_its_incident_and_the_retry_are_recorded(
        services: Services, handlers: TestHandlers, clock: time_machine.Coordinates) -> None:
    """Issue 5: incidents and retries — the failed call (parameters, error), the incident, and
    who retried it when."""
    handlers.flaky_failures = 1
    instance_id = services.runtime.start("flaky", {}, EXECUTOR)
    clock.shift(timedelta(minutes=5))
    services.runtime.retry_incident(instance_id, SYSADMIN)
    failed = instance_event(services, instance_id, "service.failed", "call_flaky")
    opened = instance_event(services, instance_id, "incident.opened", "call_flaky")
    retried = instance_event(services, instance_id, "incident.retried", "call_flaky")
    called = instance_event(services, instance_id, "service.called", "call_flaky")
    assert (failed.actor, failed.at, failed.data) == (EXECUTOR.name, START, {
        "operator": "test.flaky", "params": {}, "error": "ConnectionError: billing system timed out"})
    assert (opened.actor, opened.at) == (EXECUTOR.name, START) and "billing system timed out" in opened.data["error"]
    assert (retried.actor, retried.at, set(retried.data)) == (SYSADMIN.name, START + timedelta(minutes=5),
                                                              {"incident_id"})
    assert (called.actor, called.data["result"]) == (SYSADMIN.name, {"answer": 42})


# --- messages in -------------------------------------------------------------------------------

def test_a_delivered_message_is_recorded_in_its_instance(services: Services) -> None:
    """Issue 5: messages in — delivered: name, payload, key and sender."""
    instance_id = services.runtime.start("await_result", {"target": "M", "result_timeout": "PT30M"}, EXECUTOR)
    services.runtime.deliver_message("command_result", f"CMD-{instance_id}-M", {"ok": True}, HEADEND,
                                     message_key="r-1")
    event = instance_event(services, instance_id, "message.received")
    assert (event.actor, event.at, event.deployment_id, event.data) == (
        HEADEND.name, START, deployment_of(services, instance_id),
        {"name": "command_result", "payload": {"ok": True}, "key": "r-1", "sender": HEADEND.name})


def test_a_message_nobody_awaits_is_recorded_as_stored(services: Services) -> None:
    """Issue 5: messages in — stored until an instance waits for it."""
    services.runtime.deliver_message("command_result", "nobody", {"ok": True}, HEADEND, message_key="r-2")
    assert the_event(services, "message.stored") == Seen("messages", "message.stored", None, HEADEND.name, START,
                                                         None, {"name": "command_result", "correlation": "nobody",
                                                                "key": "r-2", "payload": {"ok": True}})


def test_a_duplicate_message_is_recorded(services: Services, clock: time_machine.Coordinates) -> None:
    """Issue 5: messages in — a duplicate, in the stream of the instance that took the first."""
    instance_id = services.runtime.start("await_result", {"target": "M", "result_timeout": "PT30M"}, EXECUTOR)
    services.runtime.deliver_message("command_result", f"CMD-{instance_id}-M", {"ok": True}, HEADEND,
                                     message_key="r-3")
    clock.shift(timedelta(minutes=1))
    services.runtime.deliver_message("command_result", f"CMD-{instance_id}-M", {"ok": True}, HEADEND,
                                     message_key="r-3")
    event = instance_event(services, instance_id, "message.duplicate")
    assert (event.actor, event.at, event.data) == (HEADEND.name, START + timedelta(minutes=1), {
        "name": "command_result", "key": "r-3", "first_received_at": START.isoformat()})


def test_a_duplicate_in_an_instance_stream_names_the_deployment(services: Services) -> None:
    instance_id = services.runtime.start("await_result", {"target": "M", "result_timeout": "PT30M"}, EXECUTOR)
    for _ in range(2):
        services.runtime.deliver_message("command_result", f"CMD-{instance_id}-M", {"ok": True}, HEADEND,
                                         message_key="r-4")
    event = instance_event(services, instance_id, "message.duplicate")
    assert event.deployment_id == deployment_of(services, instance_id)


def test_a_rejected_message_is_recorded(services: Services) -> None:
    """Issue 5: messages in — rejected (the catching event cannot read its correlation)."""
    services.runtime.start("keyed", {}, EXECUTOR)
    delivery = services.runtime.deliver_message("meter_reading", "", {"kwh": 12}, HEADEND, message_key="r-5")
    assert delivery.outcome == "rejected"
    event = the_event(services, "message.rejected")
    assert (event.actor, event.at, event.data["key"], event.data["error"]) == (HEADEND.name, START, "r-5",
                                                                               delivery.error)


def test_a_message_kept_after_a_stale_route_is_recorded_as_stored(services: Services) -> None:
    instance_id = services.runtime.start("timer_wait", {}, EXECUTOR)
    with services.db.transaction() as session:  # as if the route was read just before the instance moved on
        session.add(WaitingMessage(instance_id=instance_id, message_name="command_result", correlation="X",
                                   correlations={}))
    assert services.runtime.deliver_message("command_result", "X", {"ok": True}, HEADEND).outcome == "stored"
    event = the_event(services, "message.stored")
    assert (event.actor, event.at, event.data["correlation"]) == (HEADEND.name, START, "X")


# --- timers ------------------------------------------------------------------------------------

def test_a_fired_timer_is_recorded_with_its_due_time(services: Services, clock: time_machine.Coordinates) -> None:
    """ARCHITECTURE "History": every timer fired, by the scheduler, at the time it was woken."""
    instance_id = services.runtime.start("timer_wait", {}, EXECUTOR)
    clock.shift(timedelta(hours=3))
    services.runtime.wake_due()
    event = instance_event(services, instance_id, "timer.fired", "wait_2h")
    assert (event.actor, event.at, event.deployment_id, event.data) == (
        "system:scheduler", START + timedelta(hours=3), deployment_of(services, instance_id),
        {"due": (START + timedelta(hours=2)).isoformat()})


# --- operators' interventions --------------------------------------------------------------------

@pytest.mark.parametrize(("actions", "kind", "data"), [
    (["suspend"], "instance.suspended", {"reason": "why: suspend", "previous_status": "running"}),
    (["suspend", "resume"], "instance.resumed", {"reason": "why: resume", "previous_status": "suspended"}),
    (["terminate"], "instance.terminated", {"reason": "why: terminate", "result": None}),
])
def test_suspend_resume_and_terminate_are_recorded_with_their_reason(
        services: Services, actions: list[str], kind: str, data: dict[str, Any]) -> None:
    """Issue 5: suspend/resume/terminate with who, when and the reason given."""
    instance_id = services.runtime.start("timer_wait", {}, EXECUTOR)
    for action in actions:
        getattr(services.runtime, action)(instance_id, f"why: {action}", SYSADMIN)
    assert instance_event(services, instance_id, kind) == Seen(
        stream_of(instance_id), kind, None, SYSADMIN.name, START, deployment_of(services, instance_id), data)


# --- outbox and deployments ----------------------------------------------------------------------

def test_an_outside_effect_is_recorded_when_queued_and_when_sent_or_failed(
        services: Services, adapters: dict[str, RecordingAdapter]) -> None:
    """The handler's effect: queued in its step, then each attempt to send it (stream ``outbox``)."""
    adapters["headend"].failures_left = 1
    instance_id = services.runtime.start("await_result", {"target": "M", "result_timeout": "PT30M"}, EXECUTOR)
    queued = instance_event(services, instance_id, "outbox.queued")
    services.dispatcher.dispatch()
    failed = the_event(services, "outbox.failed", "outbox")
    assert (queued.actor, queued.data["adapter"], queued.data["payload"]) == (
        EXECUTOR.name, "headend", {"target": "M", "command_id": f"CMD-{instance_id}-M"})
    assert (failed.actor, failed.at, failed.data["instance_id"], failed.data["key"], failed.data["error"]) == (
        "system:outbox", START, instance_id, queued.data["key"], "ConnectionError: gateway unreachable")


def test_a_deployment_is_recorded_with_its_files_and_versions(services: Services) -> None:
    """ARCHITECTURE "History": deployments go to the named stream ``deployments``."""
    [event] = [e for e in events(services, "deployments") if e.data["files"] == ["approval.bpmn"]]
    assert (event.type, event.actor, event.at, event.data["versions"]) == (
        "deployment.created", SYSADMIN.name, START, {"approval": 1})
    assert len(event.data["bundle_hash"]) == 64


def test_a_rollback_is_recorded_with_who_when_and_what_it_re_deployed(
        services: Services, clock: time_machine.Coordinates) -> None:
    """Issue 10 item 7: re-deploying v1's files after v2 records "re-deployed v1 as v3"."""
    original = (TEST_BPMN / "approval.bpmn").read_bytes()
    services.deploy_files({"approval.bpmn": original.replace(b"'approved: '", b"'v2: '")}, SYSADMIN)
    clock.shift(timedelta(minutes=5))
    services.deploy_files({"approval.bpmn": original}, APPROVER)
    [created] = [e for e in events(services, "deployments") if e.data["files"] == ["approval.bpmn"]
                 and e.data["versions"] == {"approval": 1}]
    assert the_event(services, "deployment.redeployed", "deployments") == Seen(
        "deployments", "deployment.redeployed", None, APPROVER.name, START + timedelta(minutes=5), None,
        {"deployment_id": created.data["deployment_id"], "bundle_hash": created.data["bundle_hash"],
         "files": ["approval.bpmn"], "versions": {"approval": 3}, "redeployed": {"approval": 1}})
