"""Backup, restore and moving to PostgreSQL (issue 14 item 10): what comes back passes ``audit verify``
and carries on. On SQLite: ``relayflow db backup`` / ``restore``; on PostgreSQL: ``relayflow db move``
from a SQLite installation into it, then the documented ``pg_dump`` / ``pg_restore`` of the result."""

from __future__ import annotations

import subprocess
from pathlib import Path

from click.testing import Result
from flask import Flask
from sqlalchemy import create_engine, func, select, text

from app import create_app
from app.bootstrap import Services
from app.cli.audit import verify_history
from app.usecases.headend_results import take_headend_result
from app.usecases.payments import record_payment
from app.worker import SQLITE_WORKER
from storage import leases
from storage.domain_models import MeterCommand
from storage.models import HistoryEvent, Instance
from tests.utility import build_utility_app, seed_customer, seed_segment


def _cli(app: Flask, *args: str) -> Result:
    return app.test_cli_runner().invoke(args=list(args))


def _installation(url: str, tmp_path: Path) -> Flask:
    """bpmn/ deployed, two customers reconnected after paying, the history sealed."""
    app = build_utility_app(url, tmp_path)
    services: Services = app.extensions["relayflow"]
    seed_segment(services)
    for number in ("3400000021", "3400000022"):
        seed_customer(services, number, owed_cents=100)
    _pay(services, "3400000021")
    services.dispatcher.dispatch()
    assert services.sealer.seal_all() >= 1
    return app


def _pay(services: Services, number: str) -> None:
    record_payment(services.runtime, {"payment_id": f"P-{number}", "customer_number": number, "amount": "1.00",
                                      "paid_at": services.clock.now().isoformat()})


def _counts(services: Services) -> tuple[int, int]:
    with services.db.reading() as session:
        return (session.execute(select(func.count(Instance.id))).scalar_one(),
                session.execute(select(func.count(HistoryEvent.id))).scalar_one())


def test_backup_restore_and_move_keep_a_verifiable_history(database_url: str, sqlite_url: str, tmp_path: Path) -> None:
    if database_url.startswith("sqlite"):
        _backup_and_restore(sqlite_url, tmp_path)
    else:
        _move_then_dump_and_restore(sqlite_url, database_url, tmp_path)


def _backup_and_restore(url: str, tmp_path: Path) -> None:
    app = _installation(url, tmp_path)
    services: Services = app.extensions["relayflow"]
    backed_up = _counts(services)
    backup = tmp_path / "backups" / "relayflow-1.sqlite3"
    result = _cli(app, "db", "backup", str(backup))
    assert result.exit_code == 0, result.output
    assert "audit key" in result.output and str(services.sealer.anchor.path) in result.output
    assert _cli(app, "db", "backup", str(backup)).exit_code != 0  # never overwrites a backup

    _pay(services, "3400000022")  # work after the backup, lost with the restore
    assert _counts(services) != backed_up
    refused = _cli(app, "db", "restore", str(backup))
    assert refused.exit_code != 0 and "--force" in refused.output
    with services.db.transaction() as session:  # a worker runs: never restore under it
        now = services.clock.now()
        leases.take(session.connection(), SQLITE_WORKER, "host:1:live", now, now.replace(year=now.year + 1))
    assert "stop it first" in _cli(app, "db", "restore", "--force", str(backup)).output
    with services.db.transaction() as session:
        leases.release(session.connection(), "host:1:live")

    restored = _cli(app, "db", "restore", "--force", str(backup))
    assert restored.exit_code == 0, restored.output
    assert "intact" in restored.output and "BROKEN" not in restored.output
    assert _counts(services) == backed_up
    _pay(services, "3400000022")  # and it carries on
    assert verify_history(services)


def _move_then_dump_and_restore(sqlite_url: str, postgres_url: str, tmp_path: Path) -> None:
    app = _installation(sqlite_url, tmp_path)
    services: Services = app.extensions["relayflow"]
    before = _counts(services)
    moved = _cli(app, "db", "move", "--to", postgres_url)
    assert moved.exit_code == 0, moved.output
    assert "intact" in moved.output and "BROKEN" not in moved.output
    again = _cli(app, "db", "move", "--to", postgres_url)
    assert again.exit_code != 0 and "holds data" in again.output

    target = create_app({**{k: app.config[k] for k in ("SECRET_KEY", "AUDIT_KEY_FILE", "AUDIT_ANCHOR_FILE",
                                                       "SMS_LOG_PATH", "BPMN_DIR")},
                         "DATABASE_URL": postgres_url}).extensions["relayflow"]
    assert _counts(target) == before
    _answer_a_moved_command(target)  # a case that was running before the move takes its next step
    _pay(target, "3400000022")  # the moved installation carries on: new ids after the copied ones
    assert verify_history(target)
    target.db.dispose()

    dump = tmp_path / "relayflow.dump"  # the README's commands, for real
    subprocess.run(["pg_dump", "--format=custom", f"--file={dump}", postgres_url], check=True, timeout=300)
    restored_url = postgres_url + "_restored"
    _recreate(postgres_url, restored_url.rsplit("/", 1)[1])
    subprocess.run(["pg_restore", "--no-owner", f"--dbname={restored_url}", str(dump)], check=True, timeout=300)
    restored = create_app({**{k: app.config[k] for k in ("SECRET_KEY", "AUDIT_KEY_FILE", "AUDIT_ANCHOR_FILE",
                                                         "SMS_LOG_PATH", "BPMN_DIR")},
                           "DATABASE_URL": restored_url}).extensions["relayflow"]
    try:
        assert _counts(restored) == (before[0] + 1, _counts(restored)[1])
        assert verify_history(restored)
    finally:
        restored.db.dispose()
        _recreate(postgres_url, restored_url.rsplit("/", 1)[1], create=False)  # leave no database behind


def _recreate(url: str, database: str, *, create: bool = True) -> None:
    admin = create_engine(url.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://", 1) + "/postgres",
                          isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))
        if create:
            conn.execute(text(f'CREATE DATABASE "{database}"'))
    admin.dispose()


def _answer_a_moved_command(services: Services) -> None:
    with services.db.reading() as session:
        command = session.execute(select(MeterCommand).where(MeterCommand.status == "sent")).scalar_one()
        seq = session.execute(select(Instance.history_seq).where(Instance.id == command.instance_id)).scalar_one()
    for stage, extra in (("accepted", {}), ("executed", {"relay": "closed"})):
        take_headend_result(services.runtime, {"result_id": f"R-{stage}", "command_id": command.command_id,
                                               "stage": stage, "at": services.clock.now().isoformat(), **extra})
    with services.db.reading() as session:
        after = session.execute(select(Instance.history_seq).where(Instance.id == command.instance_id)).scalar_one()
    assert after > seq
