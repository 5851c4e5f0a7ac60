"""What the benchmark scripts share: one pinned core and a disposable PostgreSQL schema."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import storage.db


def pin_to_one_core() -> str:
    """Pin this process to CPU 0 (the targets are per core); returns what happened, for the report."""
    try:
        os.sched_setaffinity(0, {0})
        return f"pinned to CPU {sorted(os.sched_getaffinity(0))} (os.sched_setaffinity(0, {{0}}))"
    except (AttributeError, OSError) as exc:
        return f"NOT pinned ({type(exc).__name__}: {exc})"


def reset_postgres(url: str) -> None:
    """Drop and recreate schema ``public`` — only in a database whose name ends in 'test'."""
    if not url.rsplit("/", 1)[-1].endswith("test"):
        raise SystemExit(f"refusing to drop the schema of {url}: use a database whose name ends in 'test'")
    engine = storage.db.make_engine(url)
    with engine.begin() as conn:
        conn.exec_driver_sql("DROP SCHEMA public CASCADE")
        conn.exec_driver_sql("CREATE SCHEMA public")
    engine.dispose()


def fresh_database(postgres: str | None, name: str, path: Path | None = None) -> str:
    """A migrated, empty database: ``postgres`` reset (see ``reset_postgres``), or a new SQLite file
    ``name`` in a temporary folder (or at ``path``); returns its URL."""
    from storage import migrate

    if postgres:
        reset_postgres(postgres)
    url = postgres or f"sqlite:///{path or Path(tempfile.mkdtemp()) / name}"
    migrate.upgrade(url)
    return url
