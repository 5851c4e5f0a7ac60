"""The reconnection patrol (M5.1) on a utility-sized archive: its query, and every reconnection queued.

A fresh, migrated database (a SQLite file with the production settings, or ``--postgres URL``) is
loaded with Core ``insert(Customer.__table__)`` executemany in chunks (not through the runtime):
``--customers`` customers over ``--segments`` segments, ``--disconnected`` of them disconnected,
``--paid`` of those owing nothing and flagged for automatic reconnection (so each reconnection
sends a direct-close command). The other disconnected customers still owe; some connected ones owe.
meter_commands holds ``--command-history`` executed trips (default: the one that cut each disconnected
customer; a live archive has at least those). bpmn/ is deployed as the worker deploys it. Then:

(a) the patrol's candidate query alone (``app.usecases.reconnections.candidates_statement(now, limit)`` through
    ``db.reading()``), median of ``--query-rounds``, with its plan (EXPLAIN QUERY PLAN on SQLite,
    EXPLAIN (ANALYZE, BUFFERS) on PostgreSQL), so the partial index can be seen at work;
(b) ``app.usecases.reconnections.run_patrol(runtime)`` end to end, on one worker: the query, then the
    reconnections in groups (issue 14 item 1: many per transaction, one savepoint per customer: order
    row + the reconnect instance's first step, which queues the command). The clock stops when it
    returns; the benchmark then checks that every command row is in the outbox (adapter
    ``headend``), one per paid-up customer.

Targets (issues 6 and 14): query <= 2 s; all reconnect commands queued within 30 s on one worker.

    .venv/bin/python benchmarks/patrol.py [--customers 1000000] [--disconnected 50000] [--paid 10000]
                                          [--segments 8] [--command-history N] [--query-rounds 5]
                                          [--postgres URL] [--sqlite-file PATH]
                                          [--analyze] [--sql-breakdown] [--breakdown] [--profile]
                                          [--what-if-ddl "CREATE INDEX ..."]
"""

from __future__ import annotations

import argparse
import gc
import os
import platform
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import sqlalchemy  # noqa: E402
from bench_common import pin_to_one_core, reset_postgres  # noqa: E402
from patrol_data import CHUNK, LOADED_TABLES, ROWS_PER_TRANSACTION, Archive, analyze, load, load_command_history  # noqa: E402
from patrol_timing import SqlTimes, install_breakdown, print_breakdown, profiled  # noqa: E402
from sqlalchemy import func, select  # noqa: E402

import storage.db  # noqa: E402
from app.runtime.actors import Actor  # noqa: E402
from app.usecases.reconnections import run_patrol  # noqa: E402
from storage import migrate  # noqa: E402
from storage.domain_models import Customer, MeterCommand, Reconnection  # noqa: E402
from storage.models import Instance, OutboxMessage  # noqa: E402
from storage.reconnections import candidates_statement  # noqa: E402

BPMN_DIR = ROOT / "bpmn"
DEPLOYER = Actor("bench-analyst", frozenset({"analyst", "sysadmin"}))
QUERY_TARGET_S = 2.0
QUEUED_TARGET_S = 30.0


# -- the app ----------------------------------------------------------------------------------

class Bench:
    def __init__(self, url: str, tmp: Path) -> None:
        from app import create_app

        self.url = url
        self.app = create_app({
            "TESTING": False, "DATABASE_URL": url, "BPMN_DIR": str(BPMN_DIR), "SECRET_KEY": "bench",
            "SMS_LOG_PATH": str(tmp / "sms.jsonl"),
        })
        self.services = self.app.extensions["relayflow"]
        self.runtime = self.services.runtime
        self.db = self.services.db

    def deploy(self) -> int:
        return len(self.services.deploy_directory(BPMN_DIR, DEPLOYER))

    def settings(self) -> dict[str, Any]:
        with self.db.engine.connect() as conn:
            if not self.db.is_sqlite:
                return {name: conn.exec_driver_sql(f"SHOW {name}").scalar()
                        for name in ("server_version", "synchronous_commit", "fsync", "shared_buffers",
                                     "work_mem", "random_page_cost")}
            return {name: conn.exec_driver_sql(f"PRAGMA {name}").scalar()
                    for name in ("journal_mode", "synchronous", "page_size", "cache_size", "mmap_size")}

    def time_query(self, now: datetime, limit: int) -> tuple[float, int]:
        started = time.perf_counter()
        with self.db.reading() as session:
            found = session.execute(candidates_statement(now, limit)).all()
        return time.perf_counter() - started, len(found)

    def plan(self, now: datetime, limit: int) -> list[str]:
        stmt = candidates_statement(now, limit)
        with self.db.engine.connect() as conn:
            compiled = stmt.compile(dialect=conn.dialect, compile_kwargs={"render_postcompile": True})
            params = compiled.construct_params()
            if self.db.is_sqlite:
                positional = tuple(_sqlite_value(params[name]) for name in compiled.positiontup or [])
                rows = conn.exec_driver_sql("EXPLAIN QUERY PLAN " + str(compiled), positional).all()
                return [f"{'  ' * _depth(rows, r)}{r[-1]}" for r in rows]
            rows = conn.exec_driver_sql("EXPLAIN (ANALYZE, BUFFERS) " + str(compiled), params).all()
            return [r[0] for r in rows]

    def counts(self) -> dict[str, int]:
        with self.db.reading() as session:
            def count(query: Any) -> int:
                return int(session.scalar(query) or 0)
            return {
                "customers": count(select(func.count()).select_from(Customer)),
                "disconnected": count(select(func.count()).select_from(Customer)
                                      .where(Customer.power_status == "disconnected")),
                "disconnected, owing nothing": count(select(func.count()).select_from(Customer).where(
                    Customer.power_status == "disconnected", Customer.owed_cents <= 0)),
                "reconnect instances": count(select(func.count()).select_from(Instance)
                                             .where(Instance.process_id == "reconnect")),
                "open reconnection orders": count(select(func.count()).select_from(Reconnection)
                                                  .where(Reconnection.status == "open")),
                "meter commands queued": count(select(func.count()).select_from(MeterCommand)
                                               .where(MeterCommand.status == "queued")),
                "outbox rows, adapter headend": count(select(func.count()).select_from(OutboxMessage)
                                                      .where(OutboxMessage.adapter == "headend")),
            }

    def db_size(self, path: Path | None) -> str:
        if path is None:
            with self.db.engine.connect() as conn:
                return str(conn.exec_driver_sql("SELECT pg_size_pretty(pg_database_size(current_database()))")
                           .scalar())
        return f"{sum(p.stat().st_size for p in path.parent.glob(path.name + '*')) / 1e6:.0f} MB (db + wal)"


def _sqlite_value(value: Any) -> Any:
    if isinstance(value, datetime):  # as UTCDateTime + SQLite's DateTime store it (naive UTC text)
        return value.astimezone(UTC).replace(tzinfo=None).isoformat(sep=" ")
    return value


def _depth(rows: list[Any], row: Any) -> int:
    parents = {r[0]: r[1] for r in rows}
    depth, parent = 0, row[1]
    while parent in parents:
        depth, parent = depth + 1, parents[parent]
    return depth


def verdict(ok: bool) -> str:
    return "met" if ok else "NOT met"


# -- main -------------------------------------------------------------------------------------

def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--disconnected", type=int, default=50_000)
    parser.add_argument("--paid", type=int, default=10_000, help="disconnected, owing nothing, flagged")
    parser.add_argument("--segments", type=int, default=8)
    parser.add_argument("--command-history", type=int, default=None,
                        help="executed meter commands already in the archive (default: one trip per "
                             "disconnected customer, the commands that disconnected them; 0 for none)")
    parser.add_argument("--limit", type=int, default=100_000, help="the patrol's limit (run_patrol's default)")
    parser.add_argument("--query-rounds", type=int, default=5)
    parser.add_argument("--postgres", metavar="URL", default=None,
                        help="use this PostgreSQL database (its schema public is DROPPED and recreated; "
                             "the database name must end in 'test')")
    parser.add_argument("--analyze", action="store_true",
                        help="ANALYZE the loaded tables on SQLite too (on PostgreSQL they always are, as "
                             "autovacuum would after a bulk load)")
    parser.add_argument("--sql-breakdown", action="store_true",
                        help="time every SQL statement of the patrol run (adds a little overhead)")
    parser.add_argument("--profile", action="store_true", help="cProfile the patrol run (slows it down)")
    parser.add_argument("--breakdown", action="store_true",
                        help="time the runtime's components and the handlers during the patrol run")
    parser.add_argument("--what-if-ddl", metavar="SQL", action="append", default=[],
                        help="WHAT-IF: run this DDL after migrating (e.g. a proposed index); repeatable. "
                             "Results then describe a schema that is NOT the product's")
    parser.add_argument("--sqlite-file", metavar="PATH", default=None,
                        help="build the SQLite database here and keep it (must not exist); default: a temp file")
    args = parser.parse_args(argv)
    if args.segments < 6:
        raise SystemExit("use 6 or more segments")

    print("relayflow reconnection patrol benchmark (M5.1)")
    print(f"cpu affinity: {pin_to_one_core()}")
    print(f"python {platform.python_version()}, SQLAlchemy {sqlalchemy.__version__}, "
          f"sqlite {__import__('sqlite3').sqlite_version}, {platform.machine()}, {os.cpu_count()} cpus visible")
    archive = Archive(args.customers, args.disconnected, args.paid, args.segments)
    print(f"archive: {args.customers:,} customers in {args.segments} segments; {args.disconnected:,} disconnected "
          f"(every {archive.disconnected_every}th id); {args.paid:,} of them owe nothing and are flagged "
          f"auto_reconnect (every {archive.paid_every}th disconnected); 10% of the connected owe")

    with tempfile.TemporaryDirectory(prefix="relayflow-patrol-") as tmp_name:
        tmp = Path(tmp_name)
        sqlite_path = None if args.postgres else Path(args.sqlite_file or tmp / "relayflow.sqlite3")
        if args.sqlite_file and sqlite_path is not None and sqlite_path.exists():
            raise SystemExit(f"{sqlite_path} exists: give a new file")
        url = args.postgres or f"sqlite:///{sqlite_path}"
        if args.postgres:
            reset_postgres(args.postgres)
        started = time.perf_counter()
        migrate.upgrade(url)
        print(f"database: {url} (migrated in {time.perf_counter() - started:.1f} s)")
        if args.what_if_ddl:
            engine = storage.db.make_engine(url)
            with engine.begin() as conn:
                for ddl in args.what_if_ddl:
                    conn.exec_driver_sql(ddl)
                    print(f"WHAT-IF (not the product schema): {ddl}")
            engine.dispose()
        bench = Bench(url, tmp)
        print("settings in effect: " + ", ".join(f"{k}={v}" for k, v in bench.settings().items()))

        now = bench.runtime.clock.now()
        load_s, rows = load(bench.db.engine, archive, now)
        print(f"data load: {rows:,} customers in {load_s:.1f} s ({rows / load_s:,.0f} rows/s; Core executemany, "
              f"chunks of {CHUNK:,}, {ROWS_PER_TRANSACTION:,} rows per transaction)")
        history = args.disconnected if args.command_history is None else args.command_history
        if history:
            print(f"command history: {history:,} executed trip commands in meter_commands, loaded in "
                  f"{load_command_history(bench.db.engine, archive, history, now):.1f} s")
        else:
            print("command history: none (meter_commands empty)")
        if args.postgres or args.analyze:
            print(f"ANALYZE {', '.join(LOADED_TABLES)}: {analyze(bench.db.engine):.1f} s")
        else:
            print("ANALYZE: not run (SQLite as relayflow leaves it; --analyze to run it)")
        started = time.perf_counter()
        bench.deploy()
        print(f"deployed bpmn/ in {time.perf_counter() - started:.1f} s; database size {bench.db_size(sqlite_path)}")

        # (a) the query alone
        print(f"(a) candidates_statement(now, limit={args.limit:,}) via db.reading(), {args.query_rounds} rounds:")
        times = []
        for r in range(1, args.query_rounds + 1):
            gc.collect()
            elapsed, found = bench.time_query(now, args.limit)
            times.append(elapsed)
            print(f"    round {r}: {1000 * elapsed:9.1f} ms, {found:,} candidates")
        if found != args.paid:
            print(f"    WARNING: expected {args.paid:,} candidates, found {found:,}")
        print("    plan:")
        for line in bench.plan(now, args.limit):
            print(f"      {line}")
        query_s = statistics.median(times)

        # (b) the patrol end to end
        gc.collect()
        run = lambda: run_patrol(bench.runtime, limit=args.limit)  # noqa: E731
        profile_text = None
        breakdown_lines: list[str] = []
        sql = SqlTimes(bench.db.engine) if args.sql_breakdown else None
        started = time.perf_counter()
        if args.breakdown:
            b, undo = install_breakdown(bench)
            try:
                report = run()
            finally:
                undo()
            breakdown_lines = list(print_breakdown(b, max(report.started, 1), time.perf_counter() - started))
        elif sql is not None:
            with sql:
                report = run()
        elif args.profile:
            report, profile_text = profiled(run)
        else:
            report = run()
        patrol_s = time.perf_counter() - started
        counts = bench.counts()
        queued = counts["outbox rows, adapter headend"]
        print(f"(b) run_patrol(runtime): {report.candidates:,} candidates, {report.started:,} reconnections started, "
              f"{report.skipped:,} skipped, in {patrol_s:.1f} s = {1000 * patrol_s / max(report.started, 1):.2f} ms "
              f"per reconnection ({report.started / patrol_s:,.0f}/s)"
              + ("  [under cProfile]" if args.profile else "") + ("  [SQL timed]" if sql else "")
              + ("  [components timed]" if args.breakdown else ""))
        stats = bench.runtime.group_stats
        cap = bench.runtime.group_cap
        print(f"    group commit: {stats.groups:,} transactions, {stats.mean_size:.1f} reconnections each on average "
              f"(cap: {cap.steps} steps or {cap.millis:g} ms)")
        for name, value in counts.items():
            print(f"    {name}: {value:,}")
        all_queued = queued == args.paid and report.started == args.paid
        if not all_queued:
            print(f"    WARNING: {queued:,} headend commands in the outbox, expected {args.paid:,}")
        print(f"    database size after: {bench.db_size(sqlite_path)}")
        if sql is not None:
            for line in sql.report(max(report.started, 1), patrol_s):
                print(f"    {line}")
        for line in breakdown_lines:
            print(f"    {line}")
        if profile_text:
            print("    cProfile of the patrol run:")
            print(profile_text)

        backend = "PostgreSQL" if args.postgres else "SQLite"
        what_if = " WITH WHAT-IF DDL" if args.what_if_ddl else ""
        print(f"RESULT {backend}{what_if}, {args.customers:,} customers / {args.disconnected:,} disconnected / "
              f"{args.paid:,} paid, {history:,} commands in history:")
        print(f"  load                       {load_s:8.1f} s   (not a target)")
        print(f"  (a) patrol query, median   {query_s:8.3f} s   target <= {QUERY_TARGET_S:.0f} s: "
              f"{verdict(query_s <= QUERY_TARGET_S)}")
        print(f"  (b) all {queued:,} commands queued {patrol_s:8.1f} s   target <= {QUEUED_TARGET_S:.0f} s: "
              f"{verdict(all_queued and patrol_s <= QUEUED_TARGET_S)}")
        bench.db.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
