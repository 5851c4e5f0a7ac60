"""A handler that raises stops the instance with an incident an operator can retry."""

from __future__ import annotations

from sqlalchemy import select

from app.bootstrap import Services
from app.runtime.actors import Actor
from storage.models import HistoryEvent, Incident, Instance
from tests.conftest import EXECUTOR, deploy
from tests.doubles import TestHandlers

OPERATOR = Actor("olga", frozenset({"executor"}))


def test_a_raising_handler_opens_an_incident_and_a_retry_completes(
    services: Services, handlers: TestHandlers
) -> None:
    deploy(services, "flaky.bpmn")
    handlers.flaky_failures = 1
    instance_id = services.runtime.start("flaky", {}, EXECUTOR)

    with services.db.reading() as session:
        row = session.get(Instance, instance_id)
        incident = session.execute(select(Incident)).scalar_one()
    assert row is not None and row.status == "incident"
    assert (incident.instance_id, incident.element_id, incident.resolved_at) == (instance_id, "call_flaky", None)
    assert "billing system timed out" in incident.error

    services.runtime.retry_incident(instance_id, OPERATOR)

    with services.db.reading() as session:
        row = session.get(Instance, instance_id)
        incident = session.execute(select(Incident)).scalar_one()
        kinds = session.execute(select(HistoryEvent.type).where(HistoryEvent.instance_id == instance_id)
                                .order_by(HistoryEvent.seq)).scalars().all()
    assert row is not None and row.status == "completed"
    assert incident.resolved_by == "olga"
    assert [call for call, _ in handlers.calls] == ["test.flaky", "test.flaky"]
    assert kinds.index("service.failed") < kinds.index("incident.opened") < kinds.index("incident.retried")
    assert kinds.index("incident.retried") < kinds.index("service.called") < kinds.index("instance.completed")


def test_a_retry_that_fails_again_opens_a_new_incident(services: Services, handlers: TestHandlers) -> None:
    deploy(services, "flaky.bpmn")
    handlers.flaky_failures = 2
    instance_id = services.runtime.start("flaky", {}, EXECUTOR)
    services.runtime.retry_incident(instance_id, OPERATOR)
    with services.db.reading() as session:
        incidents = session.execute(select(Incident).order_by(Incident.id)).scalars().all()
        row = session.get(Instance, instance_id)
    assert [i.resolved_by for i in incidents] == ["olga", None]
    assert row is not None and row.status == "incident"


def test_a_script_refused_at_run_time_becomes_an_incident(services: Services) -> None:
    deploy(services, "sneaky.bpmn")  # the lint sees no dunder name: it is built at run time
    instance_id = services.runtime.start("sneaky", {"name": "x"}, EXECUTOR)
    with services.db.reading() as session:
        incident = session.execute(select(Incident)).scalar_one()
        row = session.get(Instance, instance_id)
    assert row is not None and row.status == "incident"
    assert incident.element_id == "escape"
    assert "invalid attribute name" in incident.error
