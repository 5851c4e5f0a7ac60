"""``/subscriptions`` at archive scale (issue 14 item 9): 1,000,000 customers, every other one
subscribed to one or two notice types (inserted through the triggers that keep
``segment_tallies``), in a fresh migrated SQLite file or ``--postgres URL`` (a database whose name
ends in ``test``; its schema is reset). Signed in through the login form, prints the median of 10
rounds through Flask's test client for the page (first and a deep page, a segment filter) and the
rates' JSON, beside the grouping the rates screen ran before (``tests/integration/
test_segment_tallies.counted_by_grouping``), with the load average.

    .venv/bin/python benchmarks/subscriptions.py [--customers N] [--postgres URL]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_common import fresh_database
from inbox import ADMIN, PASSWORD, Browser
from inbox_data import CHUNK, load_customers, table
from sqlalchemy import insert

from app import create_app
from app.accounts.users import create_user
from storage.domain_models import NOTICE_TYPES, SmsSubscription
from tests.integration.test_segment_tallies import counted_by_grouping, tallied

NOW = datetime(2026, 2, 1, tzinfo=UTC)
ROUNDS = 10
VIEWS = (("/subscriptions, page 1", "/subscriptions"), ("/subscriptions, page 2,000", "/subscriptions?page=2000"),
         ("/subscriptions, segment S07", "/subscriptions?segment=S07"),
         ("/api/subscriptions/rates", "/api/subscriptions/rates"))


def load_subscriptions(engine: Any, customers: int) -> None:
    for first in range(2, customers + 1, CHUNK):
        with engine.begin() as conn:
            conn.execute(insert(table(SmsSubscription)), [
                {"customer_id": cid, "notice_type": kind, "subscribed_at": NOW}
                for cid in range(first, min(first + CHUNK, customers + 1), 2)
                for kind in NOTICE_TYPES[:1 + cid % 4 // 2]])


def median_ms(work: Any) -> float:
    times = []
    for _ in range(ROUNDS):
        began = time.perf_counter()
        work()
        times.append((time.perf_counter() - began) * 1000)
    return statistics.median(times)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--postgres", metavar="URL", default=None)
    args = parser.parse_args(argv)
    url = fresh_database(args.postgres, "subscriptions.sqlite")
    app = create_app({"TESTING": False, "DATABASE_URL": url, "SECRET_KEY": "bench", "DEPLOY_ON_START": False,
                      "SMS_LOG_PATH": str(Path(tempfile.gettempdir()) / "bench-sms.jsonl")})
    services = app.extensions["relayflow"]
    engine = services.db.engine
    began = time.perf_counter()
    load_customers(engine, args.customers, NOW)
    load_subscriptions(engine, args.customers)
    if args.postgres:  # as autovacuum leaves it: the tallies' dead row versions gone, the visibility map set
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("VACUUM ANALYZE")
    with services.db.transaction() as session:
        create_user(session, services.clock, ADMIN, "front-desk", "Front desk", ["applicant"], PASSWORD)
    print(f"{engine.dialect.name}: loaded {args.customers:,} customers and their subscriptions "
          f"in {time.perf_counter() - began:.0f} s")
    before = median_ms(lambda: counted_by_grouping(services))
    same = counted_by_grouping(services) == tallied(services)
    print(f"the rates' counts by grouping (before): median {before:.0f} ms; from segment_tallies: "
          f"{median_ms(lambda: tallied(services)):.1f} ms; {'the same' if same else 'DIFFERENT'}; "
          f"load average {os.getloadavg()}")
    person = Browser(app, "front-desk")
    for label, path in VIEWS:
        print(f"{label}: median {median_ms(lambda path=path: person.get(path)):.0f} ms over {ROUNDS} rounds; "
              f"load average {os.getloadavg()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
