"""Run Alembic migrations programmatically (``relayflow db upgrade``), and say when a database needs them."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from alembic.util import CommandError
from sqlalchemy import Connection

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(url: str, revision: str = "head") -> None:
    """Bring the database at ``url`` up to ``revision``."""
    command.upgrade(alembic_config(url), revision)


def _scripts() -> ScriptDirectory:
    return ScriptDirectory.from_config(alembic_config("sqlite://"))


def head_revision() -> str | None:
    """The revision this code's migrations end at."""
    return _scripts().get_current_head()


def schema_problem(url: str) -> str | None:
    """Why the database at ``url`` cannot serve this code, as one line saying what to do; None if it can."""
    current, head = current_revision(url), head_revision()
    if current == head:
        return None
    if current is None:
        return "the database is not migrated: run `relayflow db upgrade`"
    try:
        _scripts().get_revision(current)
    except CommandError:
        return (f"the database is at revision {current}, which this relayflow does not know "
                f"(it needs {head}): run the relayflow that migrated it")
    return f"the database is at revision {current}, this relayflow needs {head}: run `relayflow db upgrade`"


def current_revision(url: str) -> str | None:
    from storage.db import make_engine

    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return revision_of(conn)
    finally:
        engine.dispose()


def revision_of(conn: Connection) -> str | None:
    """The revision the database behind ``conn`` is migrated to."""
    from alembic.runtime.migration import MigrationContext

    return MigrationContext.configure(conn).get_current_revision()
