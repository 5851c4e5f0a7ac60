"""Engines and transactions. SQLite: WAL, BEGIN IMMEDIATE, busy timeout; PostgreSQL: row locks."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.dialects.postgresql import Insert as PgInsert
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import Insert as SqliteInsert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session, sessionmaker

SQLITE_BUSY_TIMEOUT_S = 30
# Production durability on every machine: WAL with a full fsync at each commit. A committed
# step may already have had its effects sent by the outbox, so it must survive a power cut.
SQLITE_PRAGMAS = ("journal_mode=WAL", "synchronous=FULL", "foreign_keys=ON")


def default_database_url(instance_path: str | os.PathLike[str]) -> str:
    """The embedded default: a SQLite file under ``var/``."""
    path = Path(instance_path) / "relayflow.sqlite3"
    path.parent.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{path}"


def make_engine(url: str, **kwargs: Any) -> Engine:
    """Create an engine with relayflow's connection settings for the URL's backend."""
    if url.startswith("sqlite"):
        return _sqlite_engine(url, **kwargs)
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    return create_engine(url, pool_pre_ping=True, **kwargs)


def _sqlite_engine(url: str, **kwargs: Any) -> Engine:
    # isolation_level=None hands transaction control to us, so BEGIN IMMEDIATE can be sent:
    # pysqlite's own deferred BEGIN would let two writers deadlock on the lock upgrade.
    engine = create_engine(
        url,
        connect_args={"timeout": SQLITE_BUSY_TIMEOUT_S, "isolation_level": None, "check_same_thread": False},
        **kwargs,
    )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        for pragma in SQLITE_PRAGMAS:
            cursor.execute(f"PRAGMA {pragma}")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_S * 1000}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        mode = connection.get_execution_options().get("sqlite_begin", "IMMEDIATE")
        connection.exec_driver_sql(f"BEGIN {mode}")

    return engine


def insert_or_ignore(session: Session, table: Any, conflict_columns: list[str]) -> PgInsert | SqliteInsert:
    """``INSERT ... ON CONFLICT (columns) DO NOTHING`` for the session's backend."""
    return insert_or_ignore_conn(session.connection(), table, conflict_columns)


def insert_or_ignore_conn(conn: Connection, table: Any, conflict_columns: list[str] | None) -> PgInsert | SqliteInsert:
    """``INSERT ... ON CONFLICT [(columns)] DO NOTHING``; no columns: any unique index."""
    return _insert_or_ignore(conn.dialect.name, table, conflict_columns)


def insert_or_ignore_by_dialect(table: Any, conflict_columns: list[str] | None = None,
                                ) -> dict[str, PgInsert | SqliteInsert]:
    """``insert_or_ignore_conn``'s statement for each dialect, built once for a hot path to keep
    (building a statement costs more than running a prebuilt one)."""
    return {dialect: _insert_or_ignore(dialect, table, conflict_columns) for dialect in ("postgresql", "sqlite")}


def _insert_or_ignore(dialect: str, table: Any, conflict_columns: list[str] | None) -> PgInsert | SqliteInsert:
    dialect_insert = pg_insert if dialect == "postgresql" else sqlite_insert
    return dialect_insert(table).on_conflict_do_nothing(index_elements=conflict_columns)


class Database:
    """The one handle on storage: an engine and the transactions relayflow runs on it."""

    def __init__(self, url: str, **engine_kwargs: Any) -> None:
        self.url = url
        self.engine = make_engine(url, **engine_kwargs)
        self.is_sqlite = self.engine.dialect.name == "sqlite"
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        self._read_sessions = sessionmaker(
            self.engine.execution_options(sqlite_begin="DEFERRED"), expire_on_commit=False
        )
        # SQLite's deferred read transaction is already a snapshot under WAL (from its first read to
        # its end); PostgreSQL's default READ COMMITTED gives each statement a snapshot of its own.
        self._snapshot_sessions = self._read_sessions if self.is_sqlite else sessionmaker(
            self.engine.execution_options(isolation_level="REPEATABLE READ", postgresql_readonly=True),
            expire_on_commit=False,
        )

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """One write transaction: committed on success, rolled back on any exception."""
        with self._sessions() as session, session.begin():
            yield session

    @contextmanager
    def reading(self) -> Iterator[Session]:
        """A read-only transaction (SQLite: deferred, so it does not take the write lock)."""
        with self._read_sessions() as session:
            yield session

    @contextmanager
    def snapshot(self) -> Iterator[Session]:
        """A read-only transaction in which every statement sees the database as it was at the first
        one: what a check comparing several reads needs (``relayflow audit verify``)."""
        with self._snapshot_sessions() as session:
            yield session

    def dispose(self) -> None:
        self.engine.dispose()
