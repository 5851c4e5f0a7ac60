"""Copying a whole installation's database (issue 14 item 10): SQLite's online backup (a consistent
copy while the web app and the worker write), and moving every row of a SQLite database to a
PostgreSQL one with the same schema revision — identity sequences set past the copied ids."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import Connection, Engine, Integer, delete, insert, literal, select, text

from storage.schema import metadata

CHUNK = 2_000
DERIVED = frozenset({"segment_tallies"})  # kept by triggers on customers and sms_subscriptions
# Rows the migrations write (the lists a sysadmin edits afterwards): an empty installation has them,
# and a copy replaces them with the source's.
SEEDED = frozenset({"protection_classes", "reason_codes", "cut_cause_codes"})


def sqlite_backup(engine: Engine, target: Path) -> None:
    """Copy the SQLite database behind ``engine`` into the file ``target`` with sqlite3's online
    backup API: pages are copied while other connections keep writing, and the copy is one
    consistent moment of the database."""
    destination = sqlite3.connect(target)
    try:
        raw = engine.raw_connection()
        try:
            raw.driver_connection.backup(destination)  # type: ignore[union-attr]
        finally:
            raw.close()
    finally:
        destination.close()


def sqlite_restore(source: Path, engine: Engine) -> None:
    """Replace the SQLite database behind ``engine`` with the backup file ``source``."""
    origin = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    try:
        raw = engine.raw_connection()
        try:
            origin.backup(raw.driver_connection)  # type: ignore[arg-type]
        finally:
            raw.close()
    finally:
        origin.close()


def integrity_problems(conn: Connection) -> list[str]:
    """SQLite's own check of a database file (``ok`` is none)."""
    found = [str(row[0]) for row in conn.execute(text("PRAGMA integrity_check"))]
    return [] if found == ["ok"] else found


def holds_data(conn: Connection) -> bool:
    """Whether any table but Alembic's has a row (the migrations' own seeded lists do not count)."""
    return any(conn.execute(select(literal(1)).select_from(table).limit(1)).first() is not None
               for table in metadata.sorted_tables if table.name not in SEEDED)


def copy_rows(source: Connection, target: Connection, progress: Callable[[str, int], None]) -> dict[str, int]:
    """Every row of every table, parents before children, in chunks; returns rows per table. Tables
    the target's triggers keep (``DERIVED``) are not copied: they count the copied rows themselves."""
    copied: dict[str, int] = {}
    for table in reversed(metadata.sorted_tables):  # the target's seeded lists give way to the source's
        if table.name in SEEDED:
            target.execute(delete(table))
    for table in metadata.sorted_tables:
        if table.name in DERIVED:
            continue
        count = 0
        result = source.execution_options(yield_per=CHUNK).execute(select(table))
        for rows in result.partitions(CHUNK):
            target.execute(insert(table), [dict(row._mapping) for row in rows])
            count += len(rows)
            progress(table.name, count)
        copied[table.name] = count
    return copied


def reset_sequences(target: Connection) -> None:
    """PostgreSQL: each table's id sequence continues after the largest id copied."""
    for table in metadata.sorted_tables:
        for column in table.primary_key.columns:
            if not isinstance(column.type.as_generic(), Integer) or column.foreign_keys:
                continue
            sequence = target.execute(text("SELECT pg_get_serial_sequence(:t, :c)"),
                                      {"t": table.name, "c": column.name}).scalar_one_or_none()
            if sequence is not None:
                target.execute(text(f"SELECT setval('{sequence}', COALESCE((SELECT MAX({column.name}) FROM "
                                    f"{table.name}), 0) + 1, false)"))
