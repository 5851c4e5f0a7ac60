"""Shared fixtures: databases (SQLite always; PostgreSQL when RELAYFLOW_TEST_POSTGRES is set),
the app built through ``create_app``, users, and time travel."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import time_machine
from flask import Flask
from sqlalchemy import create_engine, insert, text
from sqlalchemy.orm import Session

from app import create_app
from app.bootstrap import Services
from app.runtime.actors import Actor
from storage import migrate, reason_codes
from storage.schema import metadata
from tests.doubles import RecordingAdapter, TestHandlers

TEST_BPMN = Path(__file__).parent / "bpmn"
POSTGRES_URL = os.environ.get("RELAYFLOW_TEST_POSTGRES", "")
BACKENDS = ["sqlite"] + (["postgresql"] if POSTGRES_URL else [])

APPROVER = Actor("ann", frozenset({"approver"}))
EXECUTOR = Actor("ed", frozenset({"executor"}))
SYSADMIN = Actor("sam", frozenset({"sysadmin"}))
START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One migrated SQLite file, copied for each test (migrating per test is slow)."""
    path = tmp_path_factory.mktemp("template") / "template.sqlite3"
    migrate.upgrade(f"sqlite:///{path}")
    return path


@pytest.fixture(scope="session")
def postgres_migrated() -> str:
    engine = create_engine(POSTGRES_URL.replace("postgresql://", "postgresql+psycopg://", 1))
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()
    migrate.upgrade(POSTGRES_URL)
    return POSTGRES_URL


SEEDED_BY_MIGRATIONS = ("protection_classes",)  # data the migrations write: kept between tests, as on SQLite


def _truncate_postgres(url: str) -> None:
    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    tables = ", ".join(t.name for t in metadata.sorted_tables if t.name not in SEEDED_BY_MIGRATIONS)
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
        codes, causes = reason_codes.seed_rows(reason_codes.SEEDED_AT)  # what migration 0025 seeds
        conn.execute(insert(reason_codes.ReasonCode), codes)
        conn.execute(insert(reason_codes.CutCauseCode), causes)
    engine.dispose()


@pytest.fixture
def sqlite_url(sqlite_template: Path, tmp_path: Path) -> str:
    path = tmp_path / "relayflow.sqlite3"
    shutil.copy(sqlite_template, path)
    return f"sqlite:///{path}"


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Integration tests run once per backend."""
    if request.param == "sqlite":
        return str(request.getfixturevalue("sqlite_url"))
    url = str(request.getfixturevalue("postgres_migrated"))
    _truncate_postgres(url)
    return url


@pytest.fixture
def handlers() -> TestHandlers:
    return TestHandlers()


@pytest.fixture
def adapters() -> dict[str, RecordingAdapter]:
    return {"sms": RecordingAdapter(), "headend": RecordingAdapter()}


def build_app(url: str, handlers: TestHandlers, adapters: dict[str, Any], tmp_path: Path,
              live_cache_size: int = 512) -> Flask:
    return create_app({
        "TESTING": True, "DATABASE_URL": url, "HANDLERS": handlers.table(), "OUTBOX_ADAPTERS": adapters,
        "BPMN_DIR": str(tmp_path / "no-bpmn"), "SECRET_KEY": "test", "LIVE_CACHE_SIZE": live_cache_size,
        **outside_the_database(tmp_path),
    })


def outside_the_database(tmp_path: Path) -> dict[str, Any]:
    """Each test's own seal key and anchor file (never the developer's var/), sealing at once."""
    return {"AUDIT_KEY_FILE": str(tmp_path / "seal.key"), "AUDIT_ANCHOR_FILE": str(tmp_path / "anchors.jsonl"),
            "SEAL_LAG_SECONDS": 0}


@pytest.fixture(params=[512, 0], ids=["live-cache", "no-live-cache"])
def app(request: pytest.FixtureRequest, sqlite_url: str, handlers: TestHandlers, adapters: dict[str, Any],
        tmp_path: Path) -> Iterator[Flask]:
    """The app on SQLite (workflow tests), with and without the in-memory workflow cache, so the
    cache can never hide a state that was not saved; integration tests use ``backend_app``."""
    application = build_app(sqlite_url, handlers, adapters, tmp_path, request.param)
    yield application
    application.extensions["relayflow"].db.dispose()


@pytest.fixture
def backend_app(database_url: str, handlers: TestHandlers, adapters: dict[str, Any],
                tmp_path: Path) -> Iterator[Flask]:
    application = build_app(database_url, handlers, adapters, tmp_path)
    yield application
    application.extensions["relayflow"].db.dispose()


@pytest.fixture
def services(app: Flask) -> Services:
    return app.extensions["relayflow"]  # type: ignore[no-any-return]


@pytest.fixture
def backend_services(backend_app: Flask) -> Services:
    return backend_app.extensions["relayflow"]  # type: ignore[no-any-return]


def deploy(services: Services, *names: str, actor: Actor = SYSADMIN) -> None:
    services.deploy_files({name: (TEST_BPMN / name).read_bytes() for name in names}, actor)


@pytest.fixture
def clock() -> Iterator[time_machine.Coordinates]:
    """Frozen time at START; ``clock.shift(seconds)`` travels (SpiffWorkflow's timers follow)."""
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


@contextmanager
def tampering(services: Services) -> Iterator[Session]:
    """A transaction that changes history as someone with the database's owner rights would: on
    PostgreSQL it switches the append-only trigger off for itself (``session_replication_role``)."""
    with services.db.transaction() as session:
        if not services.db.is_sqlite:
            session.execute(text("SET LOCAL session_replication_role = replica"))
        yield session
