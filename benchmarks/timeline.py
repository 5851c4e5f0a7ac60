"""The customer's timeline at archive scale (issue 14 item 9): 1,000,000 customers and 1,000,000
``archive`` history events (flag, mobile and subscription changes naming a customer, a tenth of
them a segment too), written through ``storage.history_store.insert_events`` (so the subjects'
index is filled as the application fills it) into a fresh migrated SQLite file or ``--postgres
URL`` (a database whose name ends in ``test``; its schema is reset). For 20 customers, prints the
median time of finding their archive events the old way (every archive event's JSON read) and
through ``history_subjects`` (``storage.customer_records.archive_events_about``), and of the whole
customer page's data (``customer_overview``), with the load average.

    .venv/bin/python benchmarks/timeline.py [--customers N] [--events N] [--postgres URL]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_common import fresh_database
from inbox_data import load_customers, number, segment_of
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.archive.customer_overview import customer_overview
from storage import history_store
from storage.customer_records import archive_events_about
from storage.db import make_engine
from storage.models import HistoryEvent

START = datetime(2026, 2, 1, tzinfo=UTC)
CHUNK = 10_000
KINDS = ("customer.flag_changed", "customer.mobile_changed", "customer.subscription_changed")


def load_archive(engine: Any, customers: int, events: int) -> None:
    for first in range(1, events + 1, CHUNK):
        rows: list[history_store.HistoryRow] = []
        for seq in range(first, min(first + CHUNK, events + 1)):
            cid = (seq * 7919) % customers + 1
            data: dict[str, Any] = {"customer": number(cid), "old": False, "new": True}
            if seq % 10 == 0:
                data["segment"] = segment_of(cid)
            rows.append({"stream": "archive", "seq": seq, "instance_id": None, "type": KINDS[seq % 3],
                         "element_id": None, "actor": "bench", "deployment_id": None,
                         "at": START + timedelta(seconds=seq), "data": data, "prev_hash": "0" * 64,
                         "hash": "0" * 64})
        with engine.begin() as conn:
            history_store.insert_events(conn, rows)


def by_json(session: Session, customer: str, limit: int) -> list[HistoryEvent]:
    """How the timeline found a customer's archive events before the subjects' index."""
    return list(session.execute(select(HistoryEvent).where(
        HistoryEvent.stream == "archive", HistoryEvent.data["customer"].as_string() == customer)
        .order_by(HistoryEvent.seq.desc()).limit(limit)).scalars())


def median_ms(engine: Any, work: Any, customers: list[str]) -> tuple[float, int]:
    times, found = [], 0
    for customer in customers:
        with Session(engine) as session:
            began = time.perf_counter()
            answer = work(session, customer)
            times.append((time.perf_counter() - began) * 1000)
            found += len(answer) if isinstance(answer, list) else len(answer["timeline"])
    return statistics.median(times), found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--postgres", metavar="URL", default=None)
    args = parser.parse_args(argv)
    url = fresh_database(args.postgres, "timeline.sqlite")
    engine = make_engine(url)
    began = time.perf_counter()
    load_customers(engine, args.customers, START)
    load_archive(engine, args.customers, args.events)
    if args.postgres:
        with engine.begin() as conn:
            conn.exec_driver_sql("ANALYZE")
    print(f"{engine.dialect.name}: loaded {args.customers:,} customers, {args.events:,} archive events "
          f"in {time.perf_counter() - began:.0f} s")
    sample = [number((n * 104729) % args.customers + 1) for n in range(20)]
    for label, work in (("archive events, JSON scan (before)", lambda s, c: by_json(s, c, 200)),
                        ("archive events, history_subjects (after)", lambda s, c: archive_events_about(
                            s, "customer", c, 200)),
                        ("the customer page's data (customer_overview)", customer_overview)):
        median, found = median_ms(engine, work, sample)
        print(f"{label}: median {median:.1f} ms over {len(sample)} customers ({found} rows); "
              f"load average {os.getloadavg()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
