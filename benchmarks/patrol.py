"""The reconnection patrol (M5.1) on a utility-sized archive: its query, and every reconnection queued.

A fresh, migrated database (a SQLite file with the production settings, or ``--postgres URL``) is
loaded with Core ``insert(Customer.__table__)`` executemany in chunks (not through the runtime):
``--customers`` customers over ``--segments`` segments, ``--disconnected`` of them disconnected,
``--paid`` of those owing nothing and flagged for automatic reconnection (so each reconnection
sends a direct-close command). The other disconnected customers still owe; some connected ones owe.
meter_commands holds ``--command-history`` executed trips (default: the one that cut each disconnected
customer; a live archive has at least those). bpmn/ is deployed as the worker deploys it. Then:

(a) the patrol's candidate query alone (``handlers.patrol.candidates_query(now, limit)`` through
    ``db.reading()``), median of ``--query-rounds``, with its plan (EXPLAIN QUERY PLAN on SQLite,
    EXPLAIN (ANALYZE, BUFFERS) on PostgreSQL), so the partial index can be seen at work;
(b) ``handlers.patrol.run_patrol(runtime)`` end to end, on one worker: the query, then one
    transaction per customer (order row + the reconnect instance's first step, which queues the
    command). The clock stops when it returns; the benchmark then checks that every command row is
    in the outbox (adapter ``headend``), one per paid-up customer.

Targets (issue): query <= 2 s; all reconnect commands queued within 60 s on one worker.

    .venv/bin/python benchmarks/patrol.py [--customers 1000000] [--disconnected 50000] [--paid 10000]
                                          [--segments 8] [--command-history N] [--query-rounds 5]
                                          [--postgres URL] [--sqlite-file PATH]
                                          [--analyze] [--sql-breakdown] [--breakdown] [--profile]
                                          [--what-if-ddl "CREATE INDEX ..."]
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import io
import os
import platform
import pstats
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import sqlalchemy  # noqa: E402
from bench_common import pin_to_one_core, reset_postgres  # noqa: E402
from sqlalchemy import Engine, Table, func, insert, select  # noqa: E402
from sqlalchemy import event as sa_event  # noqa: E402

import storage.db  # noqa: E402
from app.runtime.actors import Actor  # noqa: E402
from handlers.patrol import candidates_query, run_patrol  # noqa: E402
from storage import migrate  # noqa: E402
from storage.domain_models import Customer, MeterCommand, Reconnection, Segment  # noqa: E402
from storage.models import Instance, OutboxMessage  # noqa: E402

BPMN_DIR = ROOT / "bpmn"
_CUSTOMERS: Table = Customer.__table__  # type: ignore[assignment]
_SEGMENTS: Table = Segment.__table__  # type: ignore[assignment]
_METER_COMMANDS: Table = MeterCommand.__table__  # type: ignore[assignment]
DEPLOYER = Actor("bench-analyst", frozenset({"analyst", "sysadmin"}))
QUERY_TARGET_S = 2.0
QUEUED_TARGET_S = 60.0
CHUNK = 10_000
ROWS_PER_TRANSACTION = 200_000


# -- the archive ------------------------------------------------------------------------------

class Archive:
    """Which customer is what: disconnected ones spread evenly over the ids, paid-up ones evenly
    among those, so the partial index and the id order are exercised as in a real archive."""

    def __init__(self, customers: int, disconnected: int, paid: int, segments: int) -> None:
        if not 0 < paid <= disconnected <= customers:
            raise SystemExit("need 0 < --paid <= --disconnected <= --customers")
        self.customers, self.disconnected, self.paid, self.segments = customers, disconnected, paid, segments
        self.disconnected_every = customers // disconnected
        self.paid_every = disconnected // paid

    def status(self, customer_id: int) -> tuple[bool, bool]:
        """(disconnected, paid up) of customer ``customer_id`` (1-based)."""
        index = customer_id - 1
        if index % self.disconnected_every or index // self.disconnected_every >= self.disconnected:
            return False, False
        k = index // self.disconnected_every
        return True, (k % self.paid_every == 0 and k // self.paid_every < self.paid)

    def segment_codes(self) -> list[str]:
        return [f"S{n:02d}" for n in range(1, self.segments + 1)]

    def rows(self, first: int, last: int, now: datetime) -> list[dict[str, Any]]:
        codes = self.segment_codes()
        recently, long_ago = now - timedelta(days=3), now - timedelta(days=400)
        rows = []
        for cid in range(first, last + 1):
            disconnected, paid = self.status(cid)
            owed = 0 if paid else (32_000 if disconnected else (18_000 if cid % 10 == 3 else 0))
            rows.append({
                "id": cid, "number": f"34{cid:08d}", "name": f"Customer {cid}", "mobile": f"138{cid:08d}",
                "address": f"{cid} Huaihe Road", "customer_class": "household", "voltage_class": "low",
                "segment_code": codes[cid % len(codes)], "meter_address": f"{cid:012d}", "meter_protocol": "dlt645",
                "relay_type": "internal", "can_direct_close": True, "ami_connected": True, "channel_online": True,
                "channel_seen_at": now, "power_status": "disconnected" if disconnected else "connected",
                "power_status_since": recently if disconnected else long_ago, "auto_reconnect": paid,
                "owed_cents": owed, "overdue_since": (now - timedelta(days=90)).date() if owed else None,
            })
        return rows


def load(engine: Engine, archive: Archive, now: datetime) -> tuple[float, int]:
    """Segments and customers, Core executemany in chunks, a few transactions; (seconds, rows)."""
    started = time.perf_counter()
    with engine.begin() as conn:
        conn.execute(insert(_SEGMENTS), [
            {"code": code, "name": f"Segment {code}", "reader_username": f"reader-{code.lower()}",
             "reader_mobile": "13900000001"} for code in archive.segment_codes()])
    first = 1
    while first <= archive.customers:
        last_in_tx = min(first + ROWS_PER_TRANSACTION - 1, archive.customers)
        with engine.begin() as conn:
            while first <= last_in_tx:
                last = min(first + CHUNK - 1, last_in_tx)
                conn.execute(insert(_CUSTOMERS), archive.rows(first, last, now))
                first = last + 1
    return time.perf_counter() - started, archive.customers


def load_command_history(engine: Engine, archive: Archive, count: int, now: datetime) -> float:
    """Executed trip commands (the ones that disconnected the disconnected customers, oldest
    first, then earlier trips of other customers): the meter_commands table a live archive has."""
    started = time.perf_counter()
    disconnected = [cid for cid in range(1, archive.customers + 1, archive.disconnected_every)][:archive.disconnected]
    others = (cid for cid in range(2, archive.customers + 1) if not archive.status(cid)[0])
    ids = (disconnected + [next(others) for _ in range(max(count - len(disconnected), 0))])[:count]
    at = now - timedelta(days=3)
    rows = [{"command_id": f"HIST-{n}", "customer_id": cid, "meter_address": f"{cid:012d}", "action": "trip",
             "status": "executed", "instance_id": None, "created_at": at, "deadline": at + timedelta(minutes=30),
             "accepted_at": at, "executed_at": at, "relay": "open", "error": None, "result": None}
            for n, cid in enumerate(ids, 1)]
    with engine.begin() as conn:
        for first in range(0, len(rows), CHUNK):
            conn.execute(insert(_METER_COMMANDS), rows[first:first + CHUNK])
    return time.perf_counter() - started


LOADED_TABLES = ("segments", "customers", "meter_commands")


def analyze(engine: Engine) -> float:
    """Statistics for the bulk-loaded tables only (autovacuum would gather them after a load); the
    runtime's own tables keep what a fresh installation has, so no plan is tuned to an empty table."""
    started = time.perf_counter()
    with engine.begin() as conn:
        for table in LOADED_TABLES:
            conn.exec_driver_sql(f"ANALYZE {table}")
    return time.perf_counter() - started


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
            found = session.execute(candidates_query(now, limit)).all()
        return time.perf_counter() - started, len(found)

    def plan(self, now: datetime, limit: int) -> list[str]:
        stmt = candidates_query(now, limit)
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


# -- timing helpers ---------------------------------------------------------------------------

class SqlTimes:
    """Driver time per statement (first 110 characters), from engine events."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.total: dict[str, float] = defaultdict(float)
        self.calls: dict[str, int] = defaultdict(int)
        self._started: dict[int, float] = {}

    def _before(self, conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        self._started[id(cursor)] = time.perf_counter()

    def _after(self, conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        t0 = self._started.pop(id(cursor), None)
        if t0 is not None:
            key = " ".join(statement.split())[:110]
            self.total[key] += time.perf_counter() - t0
            self.calls[key] += 1

    def __enter__(self) -> SqlTimes:
        sa_event.listen(self.engine, "before_cursor_execute", self._before)
        sa_event.listen(self.engine, "after_cursor_execute", self._after)
        dialect = self.engine.dialect
        commit = dialect.do_commit

        def timed_commit(dbapi_connection: Any) -> None:
            t0 = time.perf_counter()
            try:
                commit(dbapi_connection)
            finally:
                self.total["COMMIT (incl. fsync)"] += time.perf_counter() - t0
                self.calls["COMMIT (incl. fsync)"] += 1

        dialect.do_commit = timed_commit  # type: ignore[method-assign]
        return self

    def __exit__(self, *exc: object) -> None:
        sa_event.remove(self.engine, "before_cursor_execute", self._before)
        sa_event.remove(self.engine, "after_cursor_execute", self._after)
        del self.engine.dialect.do_commit  # the instance attribute: the class's method again

    def report(self, per: int, elapsed: float, top: int = 14) -> Iterator[str]:
        total = sum(self.total.values())
        yield (f"SQL driver time incl. COMMIT: {total:.2f} s of {elapsed:.2f} s ({100 * total / elapsed:.0f}%), "
               f"{sum(self.calls.values()) / per:.1f} statements per reconnection")
        yield f"  {'calls/recon':>11} {'ms/recon':>9} {'ms/call':>8}  statement"
        for key in sorted(self.total, key=lambda k: -self.total[k])[:top]:
            yield (f"  {self.calls[key] / per:11.2f} {1000 * self.total[key] / per:9.3f} "
                   f"{1000 * self.total[key] / self.calls[key]:8.3f}  {key}")


def install_breakdown(bench: Bench) -> tuple[Any, Callable[[], None]]:
    """runtime_throughput's component timers, plus the patrol and the reconnect diagram's handlers."""
    from runtime_throughput import install_breakdown as runtime_breakdown

    import handlers.patrol as patrol
    from app.runtime.api import Runtime

    b, undo_runtime = runtime_breakdown(bench)  # type: ignore[arg-type]  # it needs only .db
    b.wrap(patrol, "reconnect", "patrol.reconnect (one customer, one transaction)")
    b.wrap(Runtime, "start_within", "runtime.start_within (the first step)")
    handlers = bench.runtime.handlers
    originals = dict(handlers)
    for name in ("reconnection.prepare", "reconnection.assign_order", "headend.send_command"):
        handlers[name] = b.timed(f"handler {name}", handlers[name])

    def undo() -> None:
        handlers.update(originals)
        undo_runtime()

    return b, undo


def print_breakdown(b: Any, per: int, elapsed: float) -> Iterator[str]:
    yield (f"breakdown: {per:,} reconnections in {elapsed:.2f} s = {1000 * elapsed / per:.3f} ms each "
           f"(wrappers add overhead; shares matter more than absolutes)")
    yield f"  {'component':52} {'calls/rec':>9} {'incl ms':>8} {'self ms':>8} {'self %':>7}"
    for label in sorted(b.own, key=lambda k: -b.own[k]):
        yield (f"  {label:52} {b.calls[label] / per:9.2f} {1000 * b.inclusive[label] / per:8.3f} "
               f"{1000 * b.own[label] / per:8.3f} {100 * b.own[label] / elapsed:6.1f}%")


def profiled(fn: Callable[[], Any]) -> tuple[Any, str]:
    profiler = cProfile.Profile()
    profiler.enable()
    try:
        result = fn()
    finally:
        profiler.disable()
    sections = []
    for key in ("cumulative", "tottime"):
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).strip_dirs().sort_stats(key).print_stats(30)
        lines = out.getvalue().splitlines()
        start = next((i for i, line in enumerate(lines) if line.lstrip().startswith("ncalls")), 0)
        sections.append(f"--- top 30 by {key} ---\n" + "\n".join(lines[start:]).rstrip())
    return result, "\n".join(sections)


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
        print(f"(a) candidates_query(now, limit={args.limit:,}) via db.reading(), {args.query_rounds} rounds:")
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
