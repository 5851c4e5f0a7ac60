"""What asking the cut window costs (issue 16 item 1): a disconnection batch of ``--customers``
households on the shipped bpmn/cut_window.dmn, on SQLite, the 2026 calendar seeded, noticed 11
days before. Timed per round: the executor issues the batch and the worker runs until every child
waits; then the same batch issued

- **Friday 15:50** — each child asks the table, finds nothing allowed now and asks it hour by hour
  (``cut_policy.plan``) until Monday 08:00: 65 hours ahead, about 65 questions per child;
- **Monday 10:00** — each child is allowed at once, plans the cut 30 minutes later (a few questions)
  and sends the re-notice SMS;
- **a 60-day moratorium** — nothing is allowed within the diagram's 45-day horizon: each child asks
  the table for every hour of it (1,081 questions), then looks again in 15 minutes;
- **global stop** — a stop has no end to plan for: no search, a look again in 15 minutes;
- **open window** — the tests' double of the table (always allowed, no re-notice): each child asks
  once and queues its trip at once, as before issue 16.

Prints the median of ``--rounds`` rounds per case and the milliseconds per child.

    .venv/bin/python benchmarks/cut_window.py [--customers 200] [--rounds 3]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from datetime import date, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench_common import pin_to_one_core  # noqa: E402
from sqlalchemy import func, select  # noqa: E402

from app.rules.beijing import BEIJING  # noqa: E402
from app.usecases import cut_holds  # noqa: E402
from storage import migrate  # noqa: E402
from storage.domain_models import MeterCommand  # noqa: E402
from storage.models import InstanceAttribute  # noqa: E402
from tests.utility import OPEN_CUT_WINDOW, SHIPPED_CUT_WINDOW, seed_customer, travelling_utility  # noqa: E402
from tests.workflow.test_cut_window import SYSADMIN, apply_and_approve  # noqa: E402
from tests.workflow.test_disconnect import issue  # noqa: E402

CASES = {"Friday 15:50 (waits until Monday 08:00)": ("2026-03-13T15:50", SHIPPED_CUT_WINDOW, None),
         "Monday 10:00 (cut planned 10:30, re-notice now)": ("2026-03-16T10:00", SHIPPED_CUT_WINDOW, None),
         "a 60-day moratorium (45 days of hours: 1,081 asks)": ("2026-03-16T10:00", SHIPPED_CUT_WINDOW, "moratorium"),
         "global stop (no search: nothing to plan for)": ("2026-03-16T10:00", SHIPPED_CUT_WINDOW, "stop"),
         "open window (the tests' double: trips at once)": ("2026-03-16T10:00", OPEN_CUT_WINDOW, None)}


def one_round(customers: int, issued_at: str, table: Path, hold: str | None, work: Path) -> float:
    url = f"sqlite:///{work / f'cut-{time.monotonic_ns()}.sqlite3'}"
    migrate.upgrade(url)
    for u in travelling_utility(url, work, cut_window=table):
        with u.services.db.transaction() as session:
            cut_holds.seed_calendar(session, u.services.clock, SYSADMIN, 2026, 2026)
            if hold == "stop":
                cut_holds.set_stop(session, u.services.clock, SYSADMIN, "benchmark")
            if hold == "moratorium":
                cut_holds.set_moratorium(session, u.services.clock, SYSADMIN, segment_code=None, kind="heat",
                                         starts_on=date(2026, 3, 1), ends_on=date(2026, 4, 30), reason="benchmark")
        numbers = [f"34{n:08d}" for n in range(customers)]
        for number in numbers:
            seed_customer(u.services, number, power_status="connected", owed_cents=32_000,
                          overdue_since=date(2026, 1, 10))
        apply_and_approve(u, numbers)
        u.clock.move_to(datetime.fromisoformat(issued_at).replace(tzinfo=BEIJING))
        started = time.perf_counter()
        issue(u)
        u.services.runtime.recover()  # the children start and run to their first wait
        took = time.perf_counter() - started
        with u.services.db.reading() as session:  # every child got there: a planned cut, or a trip queued
            planned = session.scalar(select(func.count()).select_from(InstanceAttribute)
                                     .where(InstanceAttribute.name == "cut_expected_at"))
            trips = session.scalar(select(func.count()).select_from(MeterCommand))
        assert (planned if table == SHIPPED_CUT_WINDOW else trips) == customers, (planned, trips)
        return took
    raise AssertionError("no utility")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    pin_to_one_core()
    print(f"cut window: a batch of {args.customers} households issued, until every child waits "
          f"(SQLite, one core, median of {args.rounds})")
    with tempfile.TemporaryDirectory() as tmp:
        for name, (issued_at, table, hold) in CASES.items():
            times = [one_round(args.customers, issued_at, table, hold, Path(tmp)) for _ in range(args.rounds)]
            median = statistics.median(times)
            print(f"  {name:<50} {median:6.2f} s  {1000 * median / args.customers:6.1f} ms per child  "
                  f"(min {min(times):.2f}, max {max(times):.2f})")


if __name__ == "__main__":
    main()
