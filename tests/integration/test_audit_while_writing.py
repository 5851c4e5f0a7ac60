"""Issue 10 item 20: ``relayflow audit verify`` on a system that keeps working. Verify reads heads,
events, seals and the anchor file one after another; work committed in between must never look
like tampering ("chain ends at #602, head says #601", "seal 238 … is missing from the database").

Each test commits real work — a step through the runtime, an append to a named stream, a seal
made and anchored by the sealer — at one chosen point inside a verify run: just before verify
sends the statement named. The healthy history must verify intact, and the work must really
have happened in the middle (the hook says it ran)."""

from __future__ import annotations

import pytest
from click.testing import Result
from flask import Flask
from sqlalchemy import select

from app.bootstrap import Services
from app.runtime.events.history import instance_stream
from storage.models import UserTask
from tests.conftest import APPROVER, EXECUTOR, deploy
from tests.integration.history_support import ONE_HEAD, a_payment, committed_before

EVENTS_PASS = "ORDER BY history_events.stream, history_events.seq"  # the whole history, stream by stream
LAST_SEAL_STATEMENT = "SELECT count(history_events.id)"  # the events not sealed yet, after the seals


def verify(app: Flask, *args: str) -> Result:
    return app.test_cli_runner().invoke(args=["audit", "verify", *args])


def waiting_case(services: Services) -> tuple[int, str]:
    """An instance waiting at its approval task: (instance id, task id)."""
    deploy(services, "approval.bpmn")
    instance_id = services.runtime.start("approval", {"work_order": "7", "segment": "S"}, EXECUTOR)
    with services.db.reading() as session:
        task_id = session.execute(select(UserTask.id).where(UserTask.instance_id == instance_id)).scalar_one()
    return instance_id, task_id


@pytest.mark.parametrize("writer", ["instance step", "named stream"])
def test_a_step_committed_between_heads_and_events_is_not_a_break(backend_app: Flask, backend_services: Services,
                                                                   writer: str) -> None:
    """Issue 10 item 20: "BROKEN payments: chain ends at #602, head says #601" on a healthy system."""
    services = backend_services
    _instance_id, task_id = waiting_case(services)
    a_payment(services, {"customer": "C1", "amount": "12.50"})
    work = {"instance step": lambda: services.runtime.complete_task(task_id, {"decision": "approve"}, APPROVER),
            "named stream": lambda: a_payment(services, {"customer": "C1", "amount": "12.50"})}[writer]
    with committed_before(services, EVENTS_PASS, work) as ran:
        result = verify(backend_app)
    assert ran, "the work never ran inside verify"
    assert result.exit_code == 0, result.output
    assert "BROKEN" not in result.output
    assert verify(backend_app).exit_code == 0  # and the work is there for the next run


def test_one_instance_stepping_while_verified_is_not_a_break(backend_app: Flask, backend_services: Services) -> None:
    """``--instance`` reads the stream's events, then its head: a step in between is no break."""
    services = backend_services
    instance_id, task_id = waiting_case(services)
    with committed_before(services, ONE_HEAD,
                          lambda: services.runtime.complete_task(task_id, {"decision": "approve"}, APPROVER)) as ran:
        result = verify(backend_app, "--instance", str(instance_id))
    assert ran, "the work never ran inside verify"
    assert result.exit_code == 0 and f"BROKEN {instance_stream(instance_id)}" not in result.output, result.output


def test_a_seal_made_while_verifying_is_not_missing_from_the_database(backend_app: Flask,
                                                                       backend_services: Services) -> None:
    """Issue 10 item 20: "BROKEN seal 238 … is missing from the database" — the sealer committed and
    anchored a seal after verify had read the seals but before it read the anchor file."""
    services = backend_services
    sealer = services.sealer
    assert sealer is not None
    _instance_id, task_id = waiting_case(services)
    assert sealer.seal_all() == 1

    def step_and_seal() -> None:
        services.runtime.complete_task(task_id, {"decision": "approve"}, APPROVER)
        assert sealer.seal_all() == 1

    with committed_before(services, LAST_SEAL_STATEMENT, step_and_seal) as ran:
        result = verify(backend_app)
    assert ran, "the seal was never made inside verify"
    assert result.exit_code == 0, result.output
    assert "BROKEN" not in result.output
    after = verify(backend_app)
    assert after.exit_code == 0 and "2 seals, 0 events not sealed yet: intact" in after.output, after.output
