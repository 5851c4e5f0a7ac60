"""The ``relayflow`` command: a Flask CLI group built by ``create_app``."""

from __future__ import annotations

import copy
import functools
import getpass
import logging
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import click
from flask import Flask, current_app
from flask.cli import FlaskGroup, ScriptInfo, with_appcontext

from app.accounts.roles import ROLES
from app.bootstrap import bpmn_files
from app.cli.audit import audit_group, replay_command
from app.cli.installation import backup_command, move_command, restore_command
from app.runtime.actors import Actor
from app.runtime.deployment.bpmn_source import DeployError
from app.runtime.deployment.deploy import DeployedBundle
from app.runtime.errors import RuntimeActionError
from storage import migrate


def _cli_actor() -> Actor:
    return Actor(f"cli:{getpass.getuser()}")


def _services():  # type: ignore[no-untyped-def]
    return current_app.extensions["relayflow"]


def register_cli(app: Flask) -> None:
    app.cli.add_command(db_group)
    app.cli.add_command(deploy_command)
    app.cli.add_command(users_group)
    app.cli.add_command(worker_command)
    app.cli.add_command(serve_command)
    app.cli.add_command(bootstrap_command)
    app.cli.add_command(import_customers_command)
    app.cli.add_command(seed_demo_command)
    app.cli.add_command(audit_group)
    app.cli.add_command(replay_command)
    app.cli.add_command(check_adapters_command)
    app.cli.add_command(calendar_seed_command)


@click.group("db", help="Database schema (Alembic migrations), backup, restore, moving to PostgreSQL.")
def db_group() -> None:
    pass


db_group.add_command(backup_command)
db_group.add_command(restore_command)
db_group.add_command(move_command)


@db_group.command("upgrade")
@click.argument("revision", default="head")
@with_appcontext
def db_upgrade(revision: str) -> None:
    """Apply migrations up to REVISION (default: head)."""
    migrate.upgrade(current_app.config["DATABASE_URL"], revision)
    click.echo(f"database at revision {migrate.current_revision(current_app.config['DATABASE_URL'])}")


def _deploy(files: list[Path]) -> None:
    payload = {path.name: path.read_bytes() for path in files}
    _report(lambda: _services().deploy_files(payload, _cli_actor()))


def _seed_from(directory: Path) -> None:
    """What ``bpmn/`` does on start: seed the processes that have no version, change nothing that runs."""
    if not bpmn_files(directory):
        click.echo(f"no BPMN files in {directory}")
        return
    _report(lambda: _services().seed_directory(directory, _cli_actor()))


def _report(write: Callable[[], list[DeployedBundle]]) -> None:
    try:
        bundles = write()
    except DeployError as exc:
        raise click.ClickException("deployment refused, nothing was deployed:\n" + str(exc)) from None
    for bundle in bundles:
        click.echo(bundle.summary())
        for warning in bundle.warnings:
            click.echo(str(warning), err=True)


@click.command("deploy")
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@with_appcontext
def deploy_command(files: tuple[Path, ...]) -> None:
    """Check and deploy BPMN FILES (files that call each other form one bundle/version)."""
    _deploy(list(files))


@click.group("users", help="User accounts and roles.")
def users_group() -> None:
    pass


def _run_user_action(action) -> None:  # type: ignore[no-untyped-def]
    from app.accounts import users

    services = _services()
    try:
        with services.db.transaction() as session:
            action(users, session, services.clock)
    except RuntimeActionError as exc:
        raise click.ClickException(str(exc)) from None


@users_group.command("create")
@click.argument("username")
@click.option("--name", "display_name", default="", help="Display name.")
@click.option("--role", "roles", multiple=True, type=click.Choice(ROLES), help="Repeat for several roles.")
@click.option("--password", default=None, help="Prompted for when omitted.")
@with_appcontext
def users_create(username: str, display_name: str, roles: tuple[str, ...], password: str | None) -> None:
    """Create a user with roles."""
    if password is None:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    _run_user_action(lambda users, session, clock: users.create_user(
        session, clock, _cli_actor(), username, display_name, list(roles), password))
    click.echo(f"user {username} created with roles: {', '.join(sorted(roles)) or '(none)'}")


@users_group.command("set-roles")
@click.argument("username")
@click.argument("roles", nargs=-1, type=click.Choice(ROLES))
@with_appcontext
def users_set_roles(username: str, roles: tuple[str, ...]) -> None:
    """Replace a user's roles with ROLES (none given: no roles)."""
    _run_user_action(lambda users, session, clock: users.set_roles(
        session, clock, _cli_actor(), username, list(roles)))
    click.echo(f"{username}: roles are now {', '.join(sorted(set(roles))) or '(none)'}")


@users_group.command("set-password")
@click.argument("username")
@click.option("--password", default=None, help="Prompted for when omitted.")
@with_appcontext
def users_set_password(username: str, password: str | None) -> None:
    """Set a user's password (stored hashed)."""
    if password is None:
        password = click.prompt("New password", hide_input=True, confirmation_prompt=True)
    _run_user_action(lambda users, session, clock: users.set_password(
        session, clock, _cli_actor(), username, password))
    click.echo(f"password of {username} changed")


@click.command("bootstrap")
@click.option("--demo", is_flag=True, help="Seed the demo archive (segments, users, customers) when it is empty.")
@click.pass_context
@with_appcontext
def bootstrap_command(context: click.Context, demo: bool) -> None:
    """Upgrade the database, deploy bpmn/'s processes that have none yet, and (with --demo) seed an empty archive."""
    migrate.upgrade(current_app.config["DATABASE_URL"])
    _seed_from(Path(current_app.config["BPMN_DIR"]))
    context.invoke(calendar_seed_command)
    if demo:
        context.invoke(seed_demo_command)


@click.command("calendar-seed")
@click.option("--from-year", type=int, default=None, help="First year (default: last year).")
@click.option("--to-year", type=int, default=None, help="Last year (default: the last the library covers).")
@with_appcontext
def calendar_seed_command(from_year: int | None, to_year: int | None) -> None:
    """Fill the working-day calendar the cut window reads from the kept Chinese holiday calendar
    (adds only the days it does not hold: a day a sysadmin changed is kept)."""
    from app.usecases.cut_holds import seed_calendar

    services = _services()
    try:
        with services.db.transaction() as session:
            outcome = seed_calendar(session, services.clock, _cli_actor(), from_year, to_year)
    except RuntimeActionError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"calendar: {outcome['added']} days added from {outcome['source']} "
               f"({outcome['first_year']}–{outcome['last_year']})")


@click.command("import-customers")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@with_appcontext
def import_customers_command(file: Path) -> None:
    """Import customers from a CSV FILE: every row, or none if any row is wrong."""
    from app.archive.customer_import import CsvFileError, import_customers, read_csv

    try:
        rows = read_csv(file.read_bytes())
    except CsvFileError as exc:
        raise click.ClickException(f"{file}: {exc}; nothing was imported") from None
    services = _services()
    with click.progressbar(length=len(rows), label="checking rows") as bar:
        checked = [0]

        def progress(done: int) -> None:
            bar.update(done - checked[0])
            checked[0] = done

        with services.db.transaction() as session:
            report = import_customers(session, services.clock, _cli_actor(), rows, source=file.name,
                                      progress=progress)
    for error in report.errors:
        column = f" [{error.column}]" if error.column else ""
        click.echo(f"{file}:{error.line}{column} {error.message}", err=True)
    if report.errors:
        raise click.ClickException(f"{len(report.errors)} error(s) in {file}; nothing was imported")
    click.echo(f"imported {report.imported} customers")


@click.command("seed-demo")
@click.option("--customers", default=300, show_default=True, type=click.IntRange(min=1), help="How many customers.")
@with_appcontext
def seed_demo_command(customers: int) -> None:
    """Fill an empty archive with demo segments, users and customers (does nothing if it has customers)."""
    from app.archive.demo_seed import DEMO_PASSWORD, AlreadySeeded, seed_demo

    services = _services()
    try:
        with services.db.transaction() as session:
            counts = seed_demo(session, services.clock, _cli_actor(), customers=customers)
    except AlreadySeeded as exc:
        click.echo(f"{exc}: nothing seeded")
        return
    except RuntimeActionError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo("demo archive seeded: " + ", ".join(f"{count} {kind}" for kind, count in counts.items()))
    if counts["users"]:
        click.echo(f"demo users demo-<role> and reader-01..; password: {DEMO_PASSWORD}")


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--workers", default=None, type=click.IntRange(1, 64),
              help="web processes (default: 2 x cores + 1, at most 8)")
@click.option("--timeout", default=30, show_default=True, type=click.IntRange(1, 3600),
              help="seconds a request may take; also how long a reload or stop waits for running requests")
def serve_command(host: str, port: int, workers: int | None, timeout: int) -> None:
    """The production web server: gunicorn with several processes (HUP reloads them gracefully, TERM
    stops after the running requests). ``relayflow run`` stays the development server."""
    from app.serve import default_workers, serve

    serve(current_app._get_current_object(), host, port, workers or default_workers(), timeout)  # type: ignore[attr-defined]


@click.command("worker")
@with_appcontext
def worker_command() -> None:
    """Run one worker: timers, outbox, the patrol, seals (``app.usecases.jobs``; APScheduler, in memory)."""
    from app.worker import AnotherWorker, LeaseTimes, Worker

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    logging.getLogger("spiff.workflow").setLevel(logging.WARNING)  # "Initialized workflow" per step
    if current_app.config["DEPLOY_ON_START"]:
        _seed_from(Path(current_app.config["BPMN_DIR"]))
    services, config = _services(), current_app.config
    times = LeaseTimes(timedelta(seconds=float(config["LEASE_SECONDS"])),
                       timedelta(seconds=float(config["HEARTBEAT_SECONDS"])))
    worker = Worker(services.jobs, services.db, services.clock, times)
    services.write_as(worker.identity)  # its own chains: workers record side by side
    try:
        worker.run_forever()
    except AnotherWorker as refused:
        raise click.ClickException(str(refused)) from None


def _create_app() -> Flask:
    from app import create_app

    return create_app()


# Commands that make the schema (db, bootstrap) or never read it.
_SCHEMA_FREE = frozenset({"db", "bootstrap", "shell", "routes", "headend-sim"})


class _Relayflow(FlaskGroup):
    """The console script: every command that needs the schema first checks that the database is
    migrated, and says what to run when it is not (issue 10 item 8) — one check for all commands."""

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        command = super().get_command(ctx, name)
        if command is None or command.callback is None or name in _SCHEMA_FREE:
            return command
        return _checking_schema_first(command)


def _checking_schema_first(command: click.Command) -> click.Command:
    callback = command.callback
    assert callback is not None

    @functools.wraps(callback)
    def checked(*args: Any, **kwargs: Any) -> Any:
        app = click.get_current_context().ensure_object(ScriptInfo).load_app()
        problem = migrate.schema_problem(app.config["DATABASE_URL"])
        if problem is not None:
            raise click.ClickException(problem)
        return callback(*args, **kwargs)

    checked_command = copy.copy(command)
    checked_command.callback = checked
    return checked_command


@click.command("check-adapters")
@with_appcontext
def check_adapters_command() -> None:
    """Try each configured outbox adapter (head-end reachable, SMSC bound, a meter read) and say what
    works; nothing is sent to anybody. Exits 1 when one does not work."""
    from app.usecases.adapter_checks import check_adapters

    checks = check_adapters(_services().dispatcher.adapters)
    for check in checks:
        click.echo(f"{'ok  ' if check.ok else 'FAIL'} {check.adapter}: {check.detail}")
    if not all(check.ok for check in checks):
        raise SystemExit(1)


@click.command("headend-sim")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5001, show_default=True, type=int)
@click.option("--scenario", type=click.Path(exists=True, dir_okay=False), help="a JSON scenario file "
              "(app/headend_sim/scenario.py says what it may hold); none: every command succeeds")
@click.option("--callback-url", default="http://127.0.0.1:5000", show_default=True,
              help="relayflow's address: results go to <url>/api/headend/results")
@click.option("--tick", default=1.0, show_default=True, type=float, help="seconds between result deliveries")
def headend_sim_command(host: str, port: int, scenario: str | None, callback_url: str, tick: float) -> None:
    """Run a SIMULATED head-end (no meter is reached) that speaks the head-end contract over HTTP.

    It expects the bearer token RELAYFLOW_HEADEND_COMMAND_TOKEN on commands (none: any caller) and
    calls back with RELAYFLOW_HEADEND_TOKEN, relayflow's head-end callback token."""
    import os

    from app.headend_sim.scenario import ScenarioError, load_scenario
    from app.headend_sim.server import CallbackSender, HeadEndSimulator, serve_simulator

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    try:
        loaded = load_scenario(scenario)
    except ScenarioError as exc:
        raise click.ClickException(str(exc)) from exc
    sink = CallbackSender(callback_url, os.environ.get("RELAYFLOW_HEADEND_TOKEN"))
    serve_simulator(HeadEndSimulator(loaded, sink, os.environ.get("RELAYFLOW_HEADEND_COMMAND_TOKEN")), host, port,
                    tick)


main = _Relayflow(create_app=_create_app, help="relayflow: durable BPMN workflows.")
main.add_command(headend_sim_command)  # the simulator needs no app and no database
