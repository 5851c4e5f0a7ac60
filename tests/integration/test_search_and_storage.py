"""Searchable attributes and the storage settings each backend runs with."""

from __future__ import annotations

from sqlalchemy import text

from app.bootstrap import Services
from storage.instances import InstanceFilter, attributes_of, search
from tests.conftest import EXECUTOR, deploy
from tests.doubles import TestHandlers


def test_instances_are_found_by_their_business_attributes(backend_services: Services,
                                                           handlers: TestHandlers) -> None:
    services = backend_services
    deploy(services, "approval.bpmn", "flaky.bpmn")
    first = services.runtime.start("approval", {"work_order": "10000001", "segment": "S-01"}, EXECUTOR)
    second = services.runtime.start("approval", {"work_order": "10000002", "segment": "S-01"}, EXECUTOR)
    handlers.flaky_failures = 1
    failing = services.runtime.start("flaky", {}, EXECUTOR)

    with services.db.reading() as session:
        by_segment = search(session, InstanceFilter(attributes={"segment": "S-01"}))
        by_both = search(session, InstanceFilter(attributes={"segment": "S-01", "work_order": "10000002"}))
        with_incident = search(session, InstanceFilter(has_incident=True))
        running_approvals = search(session, InstanceFilter(process_id="approval", status="running",
                                                           has_incident=False))
        attributes = attributes_of(session, first)
    assert [i.id for i in by_segment] == [second, first]
    assert [i.id for i in by_both] == [second]
    assert [i.id for i in with_incident] == [failing]
    assert [i.id for i in running_approvals] == [second, first]
    assert attributes == {"work_order": "10000001", "segment": "S-01"}


def test_a_handler_can_set_a_searchable_attribute(backend_services: Services) -> None:
    services = backend_services
    deploy(services, "await_result.bpmn")
    instance_id = services.runtime.start("await_result", {"target": "M-77", "result_timeout": "PT30M"}, EXECUTOR)
    with services.db.reading() as session:
        found = search(session, InstanceFilter(attributes={"target": "M-77"}))
    assert [i.id for i in found] == [instance_id]


def test_sqlite_runs_with_production_durability(services: Services) -> None:
    with services.db.reading() as session:
        pragmas = {name: session.execute(text(f"PRAGMA {name}")).scalar_one()
                   for name in ("journal_mode", "synchronous", "busy_timeout", "foreign_keys")}
    assert pragmas == {"journal_mode": "wal", "synchronous": 2, "busy_timeout": 30000, "foreign_keys": 1}
