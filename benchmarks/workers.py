"""Several workers on PostgreSQL (issue 14 item 2): a backlog queued beforehand, drained by 1 and by 2
``relayflow worker`` processes on this machine; drain rates, CPU per process and the ratio.

The backlog: ``--reconnections`` paid-up disconnected customers whose reconnections the patrol has
started (``run_patrol``, grouped), so each has its instance waiting and its direct-close command
queued in the outbox. Draining it means handing every command to the head-end adapter (the outbox,
leased with SKIP LOCKED, 50 rows per transaction) — the worker's simulated head-end takes them in the
worker's own process, so its CPU is inside the workers' — and stepping each reconnection through the
results the simulated head-end sends back (accepted after 5 s, executed after 30 s) to its SMS and
its end. Both times are printed: every command handed over, and every reconnection completed (the
rate and the ratio are of the latter: the same work whatever the number of workers).

The backlog is built once into a template database and copied (``CREATE DATABASE … TEMPLATE``) for
each run, so both runs start from the same rows.

    .venv/bin/python benchmarks/workers.py [--reconnections 10000] [--rounds 3]
                                           [--postgres postgresql://postgres@127.0.0.1:5432/relayflow_workers_test]
"""

from __future__ import annotations

import argparse
import os
import signal
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine, func, select, text  # noqa: E402

from app.usecases.reconnections import run_patrol  # noqa: E402
from storage.domain_models import Customer, MeterCommand  # noqa: E402
from storage.models import Instance  # noqa: E402
from tests.chaos.harness import CrashRun  # noqa: E402
from tests.integration.worker_processes import start_worker, wait_for  # noqa: E402

TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """User + system CPU of one process and its finished children, from /proc."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return sum(int(value) for value in fields[11:15]) / TICKS


def postgres_cpu() -> float:
    """Every PostgreSQL process's CPU (backends, WAL writer, checkpointer…)."""
    total = 0.0
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit():
            try:
                if (proc / "comm").read_text().strip() in ("postgres", "postmaster"):
                    total += cpu_seconds(int(proc.name))
            except OSError:
                continue
    return total


def admin_url(url: str, database: str = "postgres") -> str:
    return url.rsplit("/", 1)[0] + "/" + database


def sql_admin(url: str, statement: str) -> None:
    engine = create_engine(admin_url(url).replace("postgresql://", "postgresql+psycopg://", 1),
                           isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(statement))
    engine.dispose()


def build_backlog(url: str, tmp: Path, reconnections: int) -> None:
    database = url.rsplit("/", 1)[1]
    sql_admin(url, f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
    sql_admin(url, f'CREATE DATABASE "{database}"')
    setup = CrashRun(url, tmp, reconnections)
    with setup.services.db.transaction() as session:  # paid up: the patrol's candidates
        session.execute(Customer.__table__.update().values(owed_cents=0, overdue_since=None))
    started = time.monotonic()
    report = run_patrol(setup.services.runtime)
    print(f"backlog: {report.started} reconnections started by the patrol in {time.monotonic() - started:.1f} s "
          f"(group commit), each with its command queued in the outbox")
    setup.close()


def drain(template_url: str, tmp: Path, workers: int, expected: int) -> tuple[float, float, list[float], float]:
    url = template_url + f"_run{workers}"
    database, template = url.rsplit("/", 1)[1], template_url.rsplit("/", 1)[1]
    sql_admin(url, f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
    sql_admin(url, f'CREATE DATABASE "{database}" TEMPLATE "{template}"')
    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))

    def handed_over() -> int:
        with engine.connect() as conn:
            return int(conn.execute(select(func.count()).where(MeterCommand.sent_at.is_not(None))).scalar_one())

    def completed() -> int:
        with engine.connect() as conn:
            return int(conn.execute(select(func.count()).where(Instance.process_id == "reconnect",
                                                               Instance.status == "completed")).scalar_one())

    pg_before = postgres_cpu()
    processes = [start_worker(url, tmp, RELAYFLOW_PATROL_SECONDS="3600", RELAYFLOW_TICK_SECONDS="1",
                              RELAYFLOW_OUTBOX_SECONDS="0.2", RELAYFLOW_HEADEND_TICK_SECONDS="1",
                              RELAYFLOW_SMS_LOG_PATH=str(tmp / f"sms-{workers}-{i}.jsonl")) for i in range(workers)]
    try:
        wait_for(lambda: handed_over() > 0, "the first command handed over", seconds=120)
        started = time.monotonic()
        wait_for(lambda: handed_over() >= expected, "every command handed over", seconds=3600)
        sent = time.monotonic() - started
        wait_for(lambda: completed() >= expected, "every reconnection completed", seconds=3600)
        elapsed = time.monotonic() - started
        cpu = [cpu_seconds(process.pid) for process in processes]
    finally:
        for process in processes:
            process.send_signal(signal.SIGTERM)
        for process in processes:
            process.wait(timeout=120)
        engine.dispose()
    return sent, elapsed, cpu, postgres_cpu() - pg_before


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--reconnections", type=int, default=2000, help="the backlog (the issue's run: 10000)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--postgres", default="postgresql://postgres@127.0.0.1:5432/relayflow_workers_test")
    args = parser.parse_args(argv)
    print(f"relayflow workers benchmark: {args.reconnections} queued reconnections on PostgreSQL, drained by 1 and 2 "
          f"workers, {args.rounds} rounds each; {os.cpu_count()} cpus; load {os.getloadavg()}")
    with tempfile.TemporaryDirectory(prefix="relayflow-workers-") as name:
        tmp = Path(name)
        build_backlog(args.postgres, tmp, args.reconnections)
        rates: dict[int, list[float]] = {1: [], 2: []}
        for round_ in range(1, args.rounds + 1):
            for workers in (1, 2):
                sent, elapsed, cpu, pg = drain(args.postgres, tmp, workers, args.reconnections)
                rates[workers].append(args.reconnections / elapsed)
                print(f"round {round_}, {workers} worker(s): every command handed over after {sent:.1f} s, every "
                      f"reconnection completed after {elapsed:.1f} s = {rates[workers][-1]:.0f}/s; CPU s: workers "
                      f"(with their simulated head-end) {', '.join(f'{c:.1f}' for c in cpu)}, PostgreSQL {pg:.1f}")
    one, two = statistics.median(rates[1]), statistics.median(rates[2])
    print(f"median drain rate (reconnections completed): 1 worker {one:.0f}/s, 2 workers {two:.0f}/s; "
          f"ratio {two / one:.2f} "
          f"(target >= 1.5: {'met' if two / one >= 1.5 else 'NOT met'})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
