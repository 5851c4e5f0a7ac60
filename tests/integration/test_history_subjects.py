"""Issue 14 item 9: whom an ``archive`` event is about is written with the event
(``history_subjects``), and migration 0018 fills it from the events already recorded — so the
customer's and the segment's timelines read an index, not every event's JSON. SQLite and
PostgreSQL."""

from __future__ import annotations

import importlib

from sqlalchemy import delete, select

from app.archive import maintenance as archive
from app.bootstrap import Services
from app.runtime.events import history
from app.runtime.events.history import NewEvent
from storage.customer_records import archive_events_about
from storage.models import HistorySubject
from tests.conftest import SYSADMIN
from tests.utility import seed_customer, seed_segment

fill = importlib.import_module("storage.migrations.versions.0018_subjects_and_tallies").fill
NUMBER, OTHER = "3500000001", "3500000002"


def record_archive_events(services: Services) -> None:
    seed_segment(services)
    seed_customer(services, NUMBER)
    seed_customer(services, OTHER)
    with services.db.transaction() as session:
        archive.set_subscription(session, services.clock, SYSADMIN, NUMBER, "arrears", True)
        archive.set_subscription(session, services.clock, SYSADMIN, OTHER, "arrears", True)
        history.append(session, "archive", [
            NewEvent("segment.reader_changed", None, {"segment": "S01", "old": "a", "new": "b"}),
            NewEvent("customer.moved", None, {"customer": NUMBER, "segment": "S01"}),
            NewEvent("customer.named", None, {"customer": ["not", "a", "text"]}),
        ], actor="test", at=services.clock.now())


def subjects(services: Services) -> list[tuple[str, str, int]]:
    with services.db.reading() as session:
        return [tuple(row) for row in session.execute(  # type: ignore[misc]
            select(HistorySubject.key, HistorySubject.value, HistorySubject.seq)
            .order_by(HistorySubject.seq, HistorySubject.key))]


def timeline(services: Services, key: str, value: str) -> list[str]:
    with services.db.reading() as session:
        return [event.type for event in archive_events_about(session, key, value, 10)]


def test_issue14_item9_archive_events_index_their_subjects_as_they_are_appended(backend_services: Services) -> None:
    record_archive_events(backend_services)
    assert timeline(backend_services, "customer", NUMBER) == ["customer.moved", "customer.subscription_changed"]
    assert timeline(backend_services, "segment", "S01") == ["customer.moved", "segment.reader_changed"]
    assert timeline(backend_services, "customer", OTHER) == ["customer.subscription_changed"]
    assert ("customer", NUMBER, 1) in subjects(backend_services)  # a list under "customer" names no one


def test_issue14_item9_migration_0018_fills_the_subjects_of_recorded_events(backend_services: Services) -> None:
    record_archive_events(backend_services)
    written = subjects(backend_services)
    with backend_services.db.transaction() as session:
        session.execute(delete(HistorySubject))
    assert timeline(backend_services, "customer", NUMBER) == []
    with backend_services.db.transaction() as session:
        fill(session.connection())
    assert subjects(backend_services) == written
    assert timeline(backend_services, "customer", NUMBER) == ["customer.moved", "customer.subscription_changed"]
