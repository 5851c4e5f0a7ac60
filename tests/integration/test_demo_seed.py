"""The demo archive: plausible, flags only where screening allows, repeatable, never seeded twice."""

from __future__ import annotations

import shutil
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import func, select

from app.accounts.roles import ROLES
from app.archive.demo_seed import AlreadySeeded, seed_demo
from app.bootstrap import Services
from app.rules.screening import screen
from app.runtime.actors import Actor
from app.runtime.errors import RuntimeActionError
from handlers.headend_simulator import SimulatedHeadEnd, configure_from_archive
from storage import users
from storage.db import Database
from storage.domain_models import PROTECTED_KINDS, Customer, Segment, SmsSubscription
from storage.reconnections import candidates_statement

SEEDER = Actor("cli:demo")
NOW = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)


class FixedClock:
    def now(self) -> datetime:
        return NOW


def seed(services: Services, customers: int = 300, seed: int = 7) -> dict[str, int]:
    with services.db.transaction() as session:
        return seed_demo(session, FixedClock(), SEEDER, customers=customers, seed=seed)


def all_customers(db: Database) -> list[Customer]:
    with db.reading() as session:
        return list(session.execute(select(Customer).order_by(Customer.number)).scalars())


def test_the_demo_archive_gives_every_process_work(backend_services: Services) -> None:
    counts = seed(backend_services)
    customers = all_customers(backend_services.db)

    assert counts == {
        "customers": 300, "disconnected": 30, "owing": 60, "protected": 15,
        "flagged": sum(c.auto_reconnect for c in customers), "segments": 6, "users": 6 + len(ROLES),
    }
    disconnected = [c for c in customers if c.power_status == "disconnected"]
    paid_up = [c for c in disconnected if c.owed_cents == 0]
    assert len(paid_up) == 15 and all(c.owed_cents > 0 for c in disconnected if c not in paid_up)
    with backend_services.db.reading() as session:
        patrol_finds = session.execute(candidates_statement(NOW, 1000)).all()
        subscribed = Counter(session.execute(select(SmsSubscription.notice_type)).scalars())
        segments = list(session.execute(select(Segment)).scalars())
        readers = {s.reader_username: users.roles_of(session, users.find(session, s.reader_username).id)
                   for s in segments if s.reader_username and users.find(session, s.reader_username)}
        demo_users = [users.find(session, f"demo-{role}") for role in ROLES]
    assert len(patrol_finds) == len(paid_up)

    owing = [c for c in customers if c.owed_cents > 0]
    assert all(35 <= (NOW.date() - c.overdue_since).days <= 121 for c in owing if c.overdue_since)
    assert {c.protected_kind for c in customers if c.protected_kind} == set(PROTECTED_KINDS)
    assert all(c.protected_reason for c in customers if c.protected_kind)

    flagged = [c for c in customers if c.auto_reconnect]
    assert flagged and all(screen(c).eligible for c in flagged)
    assert any(screen(c).eligible and not c.auto_reconnect for c in customers)
    assert any(not c.channel_online for c in customers)
    assert all(150 <= subscribed[kind] <= 270 for kind in ("disconnection", "reconnection", "arrears"))
    assert all(c.mobile and len(c.mobile) == 11 for c in customers)

    assert len(readers) == 6 and all(roles == ["applicant", "executor"] for roles in readers.values())
    assert all(s.reader_mobile and len(s.reader_mobile) == 11 for s in segments)
    assert all(user is not None for user in demo_users)


def test_the_same_seed_gives_the_same_archive(sqlite_template: Path, tmp_path: Path) -> None:
    def archive(name: str) -> list[tuple[object, ...]]:
        path = tmp_path / name
        shutil.copy(sqlite_template, path)
        db = Database(f"sqlite:///{path}")
        with db.transaction() as session:
            seed_demo(session, FixedClock(), SEEDER, customers=120, seed=11)
        found = [(c.number, c.name, c.power_status, c.owed_cents, c.auto_reconnect, c.protected_kind, c.mobile)
                 for c in all_customers(db)]
        db.dispose()
        return found

    first, second = archive("one.sqlite3"), archive("two.sqlite3")

    assert len(first) == 120 and first == second


def test_seeding_twice_is_refused_and_changes_nothing(backend_services: Services) -> None:
    seed(backend_services, customers=40)

    with pytest.raises(AlreadySeeded) as refused:
        seed(backend_services, customers=40, seed=8)

    assert isinstance(refused.value, RuntimeActionError) and "already has 40 customers" in str(refused.value)
    with backend_services.db.reading() as session:
        assert session.execute(select(func.count(Customer.id))).scalar_one() == 40


def test_cli_seed_demo_can_run_every_time(backend_app: Flask) -> None:
    runner = backend_app.test_cli_runner()

    first = runner.invoke(args=["seed-demo", "--customers", "50"])
    second = runner.invoke(args=["seed-demo", "--customers", "50"])

    assert first.exit_code == 0, first.output
    assert "50 customers" in first.output and "relayflow-demo" in first.output
    assert second.exit_code == 0, second.output
    assert "already has 50 customers" in second.output and "nothing seeded" in second.output
    services = backend_app.extensions["relayflow"]
    with services.db.reading() as session:
        assert session.execute(select(func.count(Customer.id))).scalar_one() == 50


def test_the_simulated_head_end_takes_its_meters_behaviour_from_the_archive(backend_services: Services) -> None:
    """The demo's simulator: a meter the collection system sees offline stays offline; one that cannot
    close directly (and has no external relay) fails a remote close; every other meter succeeds."""
    seed(backend_services, customers=60)
    simulator = SimulatedHeadEnd(lambda _results: [], FixedClock())
    configured = configure_from_archive(simulator, backend_services.db)
    expected = {c.meter_address: "offline" if not c.channel_online else "fails"
                for c in all_customers(backend_services.db)
                if not c.channel_online or (not c.can_direct_close and c.relay_type != "external")}
    assert configured == len(expected) > 0
    assert {meter: simulator.behaviour_of(meter) for meter in expected} == expected
