"""The auditor's reports at archive scale: 1,000,000 customers, 100,000 reconnection orders (their
commands, payments, attributes and ~12 history events each) and 50,000 disconnections over 30 days,
bulk-loaded into a fresh migrated SQLite file (or ``--postgres URL``, a database whose name ends in
``test``: its schema is reset); the columns the steps keep (``reconnections.sends``,
``reconnected_at``, ``disconnections``, and the clearing payment kept when an order opens:
``clearing_payment_id``, ``paid_at``; issue 14 item 8) are loaded as the steps write them.
Prints the time of ``build_reports`` with ``restoration_breaches`` (the page's two readings; the
restoration clock columns are loaded too, issue 16 item 3) for the whole period (as the page asks:
the 200 longest cases over 24 h and the 200 first manual orders; as the JSON asks: all of them),
for one segment and for one day (median of 5 runs, and the median CPU time of this process: on SQLite all of the work),
beside the old computation over
the history's JSON (``tests/web/report_oracle.py``, whole period, 1 run) and the per-order walk
the reports were before their counts became ``GROUP BY``s (``tests/web/report_walk.py``, 1 run),
each compared, and the load average.
``--reuse`` times the data a previous run left (SQLite: ``--path``), after migrating it.

    .venv/bin/python benchmarks/reports.py [--customers N] [--orders N] [--path FILE] [--postgres URL] [--reuse]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_common import fresh_database
from sqlalchemy import insert
from sqlalchemy.orm import Session

from app.audit.reports import facts
from app.audit.reports.breaches import restoration_breaches
from app.audit.reports.period import ReportPeriod
from app.audit.reports.tables import build_reports
from app.web.reports import SHOWN_ROWS
from benchmarks.inbox_data import CHUNK, load_customers, number, segment_of, table
from storage import migrate
from storage.db import make_engine
from storage.domain_models import Disconnection, MeterCommand, Payment, Reconnection
from storage.models import Deployment, HistoryEvent, Instance, InstanceAttribute, ProcessVersion
from tests.web import report_oracle, report_walk

START = datetime(2026, 2, 1, tzinfo=UTC)
DAYS = 30


def load_orders(engine: Any, customers: int, orders: int, disconnections: int) -> None:
    rows: dict[Any, list[dict[str, Any]]] = {}

    def add(model: Any, **values: Any) -> None:
        rows.setdefault(model, []).append(values)

    def flush(conn: Any) -> None:
        for model, batch in rows.items():
            conn.execute(insert(table(model)), batch)
        rows.clear()

    with engine.begin() as conn:
        conn.execute(insert(table(Deployment)), [{"id": 1, "bundle_hash": "b" * 64, "deployed_by": "bench",
                                                  "deployed_at": START}])
        conn.execute(insert(table(ProcessVersion)), [
            {"id": n, "deployment_id": 1, "process_id": p, "version": 1, "name": p, "spec_json": "{}"}
            for n, p in ((1, "reconnect"), (2, "disconnect_customer"))])
        for n in range(orders):
            iid, cid = n + 1, (n * 7919) % customers + 1
            opened = START + timedelta(seconds=n * DAYS * 86400 // orders)
            kind = n % 10  # 0-6 remote (send 1 mostly), 7-8 remote failed then on site, 9 unflagged
            sends = 0 if kind == 9 else 3 if kind in (6, 7, 8) else 1
            remote_ok = kind <= 6
            restored = opened + timedelta(hours=5 if kind == 6 else 0, seconds=30) if remote_ok \
                else opened + timedelta(hours=8 + n % 30)
            add(Instance, id=iid, process_version_id=1, process_id="reconnect", status="completed", started_by="bench",
                created_at=opened, updated_at=restored, ended_at=restored, history_seq=0, history_hash="0" * 64,
                awaiting=[], open_tasks=[], result=None)
            add(InstanceAttribute, instance_id=iid, name="segment", value=segment_of(cid))
            add(InstanceAttribute, instance_id=iid, name="customer", value=number(cid))
            # the payment before its order, which refers to it
            add(Payment, id=iid, payment_id=f"P{iid}", customer_id=cid, amount_cents=10_000,
                paid_at=opened - timedelta(hours=1), received_at=opened, owed_after_cents=0)
            add(Reconnection, customer_id=cid, instance_id=iid, status="closed", trigger="payment", opened_at=opened,
                closed_at=restored + timedelta(seconds=30), outcome="reconnected_remote" if remote_ok
                else "reconnected_on_site", auto_order_no=None if kind == 9 else f"1{iid:07d}",
                manual_order_no=None if remote_ok else f"14{iid:010d}", sends=sends, reconnected_at=restored,
                clearing_payment_id=iid, paid_at=opened - timedelta(hours=1),
                clock_started_at=opened - timedelta(hours=1), due_at=opened + timedelta(hours=23),
                clock_outcome="met" if restored <= opened + timedelta(hours=23) else "breached")
            events = [("instance.started", None, {}),
                      ("service.called", "prepare", {"operator": "reconnection.prepare"})]
            for send in range(sends):
                ok = remote_ok and send == sends - 1
                add(MeterCommand, command_id=f"HES-{iid}-{send}", customer_id=cid, meter_address=f"{cid:012d}",
                    action="direct_close", status="executed" if ok else "expired", instance_id=iid,
                    created_at=opened + timedelta(hours=2.5 * send),
                    deadline=opened + timedelta(hours=2.5 * send + 0.5),
                    executed_at=restored if ok else None, relay="closed" if ok else None)
                events += [("service.called", "send_command", {"operator": "headend.send_command",
                                                               "result": {"status": "queued"}}),
                           ("element.completed", "send_command", {}), ("element.waiting", "await_result", {})]
            events.append(("service.called", "record", {"operator": "reconnection.record_reconnected",
                                                        "result": {"reconnected_at": restored.isoformat()}}))
            events += [("element.completed", "x", {})] * (12 - len(events))
            for seq, (kind_, element, data) in enumerate(events, 1):
                add(HistoryEvent, stream=f"instance/{iid}", seq=seq, instance_id=iid, type=kind_, element_id=element,
                    actor="bench", deployment_id=1, at=opened, data=data, prev_hash="0" * 64, hash="0" * 64)
            if len(rows.get(HistoryEvent, [])) >= CHUNK:
                flush(conn)
        flush(conn)  # one kind of row per insert: executemany takes its columns from the first row
        for n in range(disconnections):
            iid, cid = orders + n + 1, (n * 104729) % customers + 1
            at = START + timedelta(seconds=n * DAYS * 86400 // disconnections)
            add(Instance, id=iid, process_version_id=2, process_id="disconnect_customer", status="completed",
                started_by="bench", created_at=at, updated_at=at, ended_at=at + timedelta(minutes=1), history_seq=0,
                history_hash="0" * 64, awaiting=[], open_tasks=[],
                result={"customer": number(cid), "outcome": "disconnected", "at": at.isoformat(),
                        "how": "on_site" if n % 5 == 0 else "remote"})
            add(InstanceAttribute, instance_id=iid, name="segment", value=segment_of(cid))
            add(Disconnection, instance_id=iid, customer_number=number(cid), at=at,
                how="on_site" if n % 5 == 0 else "remote")
            if len(rows[Instance]) >= CHUNK:
                flush(conn)
        flush(conn)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--orders", type=int, default=100_000)
    parser.add_argument("--path", type=Path, default=None)
    parser.add_argument("--postgres", metavar="URL", default=None)
    parser.add_argument("--reuse", action="store_true", help="time the data a previous run loaded (migrated first)")
    args = parser.parse_args(argv)
    if args.reuse:
        if not (args.postgres or args.path):
            parser.error("--reuse needs --path FILE or --postgres URL")
        url = args.postgres or f"sqlite:///{args.path}"
        migrate.upgrade(url)
        engine = make_engine(url)
    else:
        url = fresh_database(args.postgres, "reports.sqlite", args.path)
        engine = make_engine(url)
        began = time.perf_counter()
        load_customers(engine, args.customers, START)
        load_orders(engine, args.customers, args.orders, args.orders // 2)
        print(f"{engine.dialect.name}: loaded {args.customers:,} customers, {args.orders:,} reconnections, "
              f"{args.orders // 2:,} disconnections in {time.perf_counter() - began:.0f} s")
    if args.postgres:
        with engine.begin() as conn:
            conn.exec_driver_sql("ANALYZE")
    first = START.date()
    whole = ReportPeriod(first, first + timedelta(days=DAYS - 1))
    compare_with_before(engine, whole)
    compare_with_walk(engine, whole)
    segment, day = ReportPeriod(first, whole.end, "S07"), ReportPeriod(date(2026, 2, 15), date(2026, 2, 15))
    for label, period, shown in (("30 days, all segments, as the page asks", whole, SHOWN_ROWS),
                                 ("30 days, all segments, as the JSON asks (every case over 24 h)", whole, None),
                                 ("30 days, segment S07", segment, SHOWN_ROWS), ("one day", day, SHOWN_ROWS)):
        times, cpu = [], []
        for _ in range(5):
            with Session(engine) as session:
                began, began_cpu = time.perf_counter(), time.process_time()
                reports = build_reports(session, period, shown)
                breaches = restoration_breaches(session, period, START + timedelta(days=DAYS))
                times.append(time.perf_counter() - began)
                cpu.append(time.process_time() - began_cpu)
        print(f"{label}: median {statistics.median(times):.2f} s ({', '.join(f'{t:.2f}' for t in times)}; "
              f"this process's CPU {statistics.median(cpu):.2f} s) — reconnected {reports.total.reconnected:,}, "
              f"disconnected {reports.total.disconnected:,}, payment cases {reports.payment.count:,} "
              f"({len(reports.payment.over):,} of {reports.payment.over_count:,} over 24 h read), "
              f"median {reports.payment.median_hours} h, first-attempt {reports.first_attempt_total.rate}, "
              f"{len(reports.manual_orders):,} of {reports.total.manual_orders:,} manual orders read, "
              f"{breaches.total.breached:,} of {breaches.total.due:,} restoration clocks breached; "
              f"load average {os.getloadavg()}")
    return 0


def compare_with_before(engine: Any, period: ReportPeriod) -> None:
    """The facts read the old way (history JSON, per-order subqueries) and from the columns: timed, and equal."""
    with Session(engine) as session:
        began = time.perf_counter()
        before = (report_oracle.reconnections(session, period), report_oracle.disconnections(session, period))
        old = time.perf_counter() - began
        began = time.perf_counter()
        after = (facts.reconnections(session, period), facts.disconnections(session, period))
        new = time.perf_counter() - began
    # the queries' row order is not part of the facts (the reports sort what they show)
    before, after = sorted_facts(*before), sorted_facts(*after)
    print(f"whole period's facts: before {old:.2f} s, from the columns {new:.2f} s, "
          f"{'the same' if before == after else 'DIFFERENT'} ({len(after[0]):,} orders, {len(after[1]):,} cuts); "
          f"load average {os.getloadavg()}")


def compare_with_walk(engine: Any, period: ReportPeriod) -> None:
    """The reports as the per-order walk computed them and from the GROUP BYs: timed, and equal."""
    with Session(engine) as session:
        began = time.perf_counter()
        walked, _cases = report_walk.reports(session, period)
        old = time.perf_counter() - began
        began = time.perf_counter()
        grouped = build_reports(session, period)
        new = time.perf_counter() - began
        page = build_reports(session, period, SHOWN_ROWS)
    same = walked == grouped and page == report_walk.as_shown(walked, SHOWN_ROWS)
    print(f"whole period's reports: per-order walk {old:.2f} s, GROUP BYs {new:.2f} s, "
          f"{'the same' if same else 'DIFFERENT'} (all rows, and as the page lists them); "
          f"load average {os.getloadavg()}")


def sorted_facts(orders: list[Any], cuts: list[Any]) -> tuple[list[Any], list[Any]]:
    return sorted(orders, key=lambda fact: fact.id), sorted(cuts, key=lambda fact: fact.instance_id)


if __name__ == "__main__":
    sys.exit(main())
