"""``relayflow db backup | restore | move`` (issue 14 item 10): what a utility needs on day one.

- ``backup FILE``: an online backup of the SQLite database (sqlite3's backup API: one consistent
  moment while the web app and the worker keep writing). PostgreSQL: ``pg_dump`` (README).
- ``restore FILE``: the backup becomes the database — refused while a worker runs on it, and over a
  database that holds data unless ``--force``; then ``audit verify`` runs on it.
- ``move --to URL``: every row of this SQLite installation into an empty PostgreSQL database (its
  migrations run first), sequences continued, the anchor file carried to the target's name, then
  ``audit verify`` on the target.

The audit key and the anchor file live outside the database: back them up beside it (README).
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import click
from flask import current_app
from flask.cli import with_appcontext

from app.bootstrap import Services
from app.cli.audit import verify_history
from app.worker import SQLITE_WORKER
from storage import copying, leases, migrate
from storage.db import Database


def _services() -> Services:
    return current_app.extensions["relayflow"]  # type: ignore[no-any-return]


def _sqlite_only(services: Services, what: str) -> None:
    if not services.db.is_sqlite:
        raise click.ClickException(f"{what} is for the embedded SQLite database; on PostgreSQL use pg_dump / "
                                   "pg_restore (README, \"Backup, restore, moving to PostgreSQL\")")


@click.command("backup")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@with_appcontext
def backup_command(file: Path) -> None:
    """Copy the SQLite database to FILE while it runs (a consistent moment of it)."""
    services = _services()
    _sqlite_only(services, "db backup")
    if file.exists():
        raise click.ClickException(f"{file} exists: give a new file name")
    file.parent.mkdir(parents=True, exist_ok=True)
    copying.sqlite_backup(services.db.engine, file)
    click.echo(f"backed up to {file} ({file.stat().st_size / 1e6:.1f} MB)")
    click.echo(f"keep beside it the audit key {services.sealer.key_path} and the anchor file "
               f"{services.sealer.anchor.path} (outside the database)")


@click.command("restore")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Replace a database that holds data.")
@with_appcontext
def restore_command(file: Path, force: bool) -> None:
    """Make the backup FILE the SQLite database, then verify its history."""
    services = _services()
    _sqlite_only(services, "db restore")
    backup = Database(f"sqlite:///{file}")
    try:
        with backup.reading() as session:
            problems = copying.integrity_problems(session.connection())
            revision = migrate.revision_of(session.connection())
    finally:
        backup.dispose()
    if problems:
        raise click.ClickException(f"{file} is not a sound SQLite database: {'; '.join(problems[:5])}")
    if revision is None:
        raise click.ClickException(f"{file} is not a relayflow database (it has no schema revision)")
    with services.db.reading() as session:
        holder = leases.holder_of(session.connection(), SQLITE_WORKER)
        if holder is not None and holder.expires_at > services.clock.now():
            raise click.ClickException(f"a worker ({holder.holder}) runs on this database: stop it first")
        if copying.holds_data(session.connection()) and not force:
            raise click.ClickException("this database holds data: give --force to replace it with the backup")
    copying.sqlite_restore(file, services.db.engine)
    click.echo(f"restored from {file} (schema revision {revision}; `relayflow db upgrade` if it is older)")
    if not verify_history(services):
        raise SystemExit(1)


@click.command("move")
@click.option("--to", "target_url", required=True, help="An empty PostgreSQL database: postgresql://user@host/db")
@with_appcontext
def move_command(target_url: str) -> None:
    """Copy this SQLite installation into an empty PostgreSQL database, then verify it there."""
    services = _services()
    _sqlite_only(services, "db move")
    if not target_url.startswith("postgresql"):
        raise click.ClickException("--to must be a PostgreSQL URL (postgresql://user@host/db)")
    source_revision = migrate.current_revision(current_app.config["DATABASE_URL"])
    if source_revision != migrate.head_revision():
        raise click.ClickException("this database is not at the newest schema: run `relayflow db upgrade` first")
    migrate.upgrade(target_url)
    target = _target_services(target_url)
    try:
        with target.db.reading() as session:
            if copying.holds_data(session.connection()):
                raise click.ClickException("the target database holds data: moving needs an empty one")
        with services.db.snapshot() as source, target.db.transaction() as destination:
            copied = copying.copy_rows(source.connection(), destination.connection(), lambda _table, _n: None)
            copying.reset_sequences(destination.connection())
        click.echo(f"moved {sum(copied.values()):,} rows in {len(copied)} tables: " + ", ".join(
            f"{name} {count:,}" for name, count in copied.items() if count))
        _carry_anchor(services, target)
        if not verify_history(target):
            raise SystemExit(1)
        click.echo(f"now set DATABASE_URL={target_url} for every relayflow process")
    finally:
        target.db.dispose()


def _target_services(url: str) -> Services:
    from app import create_app

    config: dict[str, Any] = {"DATABASE_URL": url, "DEPLOY_ON_START": False}
    for key in ("SECRET_KEY", "AUDIT_KEY_FILE", "AUDIT_ANCHOR_FILE", "SMS_LOG_PATH"):
        config[key] = current_app.config[key]
    return create_app(config).extensions["relayflow"]  # type: ignore[no-any-return]


def _carry_anchor(source: Services, target: Services) -> None:
    """The anchor file is named after its database unless configured: the target gets a copy."""
    here, there = source.sealer.anchor.path, target.sealer.anchor.path
    if here == there or not here.exists():
        return
    if there.exists():
        raise click.ClickException(f"{there} exists already: it belongs to another history, check it by hand")
    shutil.copy2(here, there)
    click.echo(f"anchor file copied to {there} (the target's own); keep the old one")
