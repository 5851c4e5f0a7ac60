"""One head-end result in a disconnection batch (M4.3.5) of 10, 100 and 500 customers.

Per batch: a fresh, migrated database (a SQLite file with the production settings, or
``--postgres URL``), bpmn/ deployed, N owing customers (subscribed to disconnection notices) in
one segment. The batch is driven as people drive it: the segment's reader applies
(``disconnect``, task ``apply``), an approver approves, an executor issues; one
``disconnect_customer`` child per customer sends its trip command; the outbox is dispatched to a
head-end that takes every command and NEVER answers, so every child waits for its result and the
parent waits for all children. Results are then fed by hand, one child at a time, through
``app.usecases.headend_results.take_headend_result`` (an ``executed`` result, relay ``open``), as the
callback API does:

- one result of a child that is not the last: each timed on its own, ``--samples`` children per N
  spread over the batch (batches of few customers are repeated until there are enough);
- the LAST child's result, which also ends the batch's count and leaves the parent its message,
  timed on its own;
- the worker's tick that then wakes the parent (``Runtime.recover``: it receives the batch's id and
  a count per status — ``disconnect.bpmn`` starts its children ``with_results=False`` — and opens
  "send to archive" for the batch's customers), timed on its own — since issue 14 item 9 no
  child's call does that.

Targets: one result in the 500 batch <= 1.5 x one result in the 10 batch (issue 11); the last
child <= 1.5 x a middle one (issue 14 item 9), medians.

    .venv/bin/python benchmarks/disconnect_batch.py [--sizes 10,100,500] [--samples 24] [--batches 3]
                                                    [--postgres URL]
"""

from __future__ import annotations

import argparse
import math
import os
import platform
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import sqlalchemy  # noqa: E402
from bench_common import pin_to_one_core, reset_postgres  # noqa: E402
from sqlalchemy import Table, func, insert, select  # noqa: E402

import storage.db  # noqa: E402
from app.bootstrap import bpmn_files  # noqa: E402
from app.rules.beijing import BEIJING  # noqa: E402
from app.runtime.actors import Actor  # noqa: E402
from app.usecases.headend_results import take_headend_result  # noqa: E402
from storage import migrate  # noqa: E402
from storage.domain_models import Customer, MeterCommand, Segment, SmsSubscription  # noqa: E402
from storage.models import Instance, OutboxMessage, UserTask, WaitingMessage  # noqa: E402
from tests.utility import OPEN_CUT_WINDOW  # noqa: E402

BPMN_DIR = ROOT / "bpmn"
_CUSTOMERS: Table = Customer.__table__  # type: ignore[assignment]
_SEGMENTS: Table = Segment.__table__  # type: ignore[assignment]
_SUBSCRIPTIONS: Table = SmsSubscription.__table__  # type: ignore[assignment]
DEPLOYER = Actor("bench-analyst", frozenset({"analyst", "sysadmin"}))
READER = Actor("reader-rui", frozenset({"applicant"}))
APPROVER = Actor("bo", frozenset({"approver"}))
EXECUTOR = Actor("erin", frozenset({"executor"}))
TARGET_RATIO = 1.5


class SilentHeadEnd:
    """Takes every command, answers nothing: results are fed by hand."""

    def __init__(self) -> None:
        self.sent = 0

    def send(self, payload: dict[str, Any], idempotency_key: str) -> dict[str, Any]:
        self.sent += 1
        return {"accepted_for_delivery": payload.get("command_id")}


class NullSms:
    def send(self, payload: dict[str, Any], idempotency_key: str) -> dict[str, Any]:
        return {}


@dataclass
class Timings:
    one: list[float] = field(default_factory=list)  # seconds, a child that is not the last
    last: list[float] = field(default_factory=list)  # seconds, the child that completes the batch
    parent: list[float] = field(default_factory=list)  # seconds, the tick that then wakes the parent
    setup: list[float] = field(default_factory=list)  # issue -> every child waiting, seconds
    parent_state_chars: int = 0
    child_state_chars: int = 0


class Batch:
    """One fresh database, one app, one disconnection batch of ``size`` customers."""

    def __init__(self, size: int, tmp: Path, postgres_url: str | None) -> None:
        from app import create_app

        self.size = size
        if postgres_url:
            reset_postgres(postgres_url)
        self.url = postgres_url or f"sqlite:///{tmp / f'batch-{size}-{time.monotonic_ns()}.sqlite3'}"
        migrate.upgrade(self.url)
        self.headend = SilentHeadEnd()
        self.app = create_app({
            "TESTING": False, "DATABASE_URL": self.url, "BPMN_DIR": str(BPMN_DIR), "SECRET_KEY": "bench",
            "OUTBOX_ADAPTERS": {"headend": self.headend, "sms": NullSms()},
        })
        self.services = self.app.extensions["relayflow"]
        self.runtime = self.services.runtime
        self.db = self.services.db
        # the batch's mechanics: the cut window always open (the tests' double of bpmn/cut_window.dmn), so
        # each child asks the table once and trips at once; benchmarks/cut_window.py times the waiting
        self.services.deploy_files({**bpmn_files(BPMN_DIR), "cut_window.dmn": OPEN_CUT_WINDOW.read_bytes()}, DEPLOYER)
        self.numbers = self._seed()

    def _seed(self) -> list[str]:
        now = self.services.clock.now()
        numbers = [f"34{n:08d}" for n in range(1, self.size + 1)]
        with self.db.transaction() as session:
            session.execute(insert(_SEGMENTS), [{"code": "S01", "name": "Segment S01",
                                                         "reader_username": READER.name,
                                                         "reader_mobile": "13900000001"}])
            session.execute(insert(_CUSTOMERS), [{
                "id": n, "number": number, "name": f"Customer {number}", "mobile": "13800138000",
                "address": f"{n} Huaihe Road", "customer_class": "household", "voltage_class": "low",
                "segment_code": "S01", "meter_address": f"{n:012d}", "meter_protocol": "dlt645",
                "relay_type": "internal", "can_direct_close": True, "ami_connected": True, "channel_online": True,
                "channel_seen_at": now, "power_status": "connected", "power_status_since": now - timedelta(days=400),
                "auto_reconnect": True, "owed_cents": 32_000, "overdue_since": date(2026, 1, 10),
            } for n, number in enumerate(numbers, 1)])
            session.execute(insert(_SUBSCRIPTIONS), [
                {"customer_id": n, "notice_type": kind, "subscribed_at": now}
                for n in range(1, self.size + 1) for kind in ("disconnection", "reconnection")])
        return numbers

    def _complete(self, instance_id: int, element_id: str, data: dict[str, Any], actor: Actor) -> None:
        with self.db.reading() as session:
            task_id = session.execute(select(UserTask.id).where(
                UserTask.instance_id == instance_id, UserTask.element_id == element_id)).scalar_one()
        self.runtime.complete_task(task_id, data, actor)

    def drive_to_waiting(self) -> tuple[int, list[tuple[int, str]], float]:
        """Apply, approve, issue, dispatch: (batch id, [(child id, command id)] in start order, seconds
        from issuing to every child waiting with its command sent)."""
        planned = str(self.services.clock.now().astimezone(BEIJING).date())  # today: issuing is allowed at once
        batch = self.runtime.start("disconnect", {}, READER)
        self._complete(batch, "apply", {"customers": self.numbers, "reason": "arrears over 60 days",
                                        "planned_date": planned}, READER)
        self._complete(batch, "approve", {"opinion": "agreed", "decision": "approve"}, APPROVER)
        while self.services.dispatcher.dispatch(limit=1000):  # the advance SMS notices
            pass
        started = time.perf_counter()
        self._complete(batch, "issue", {"keep": {}, "cancel": []}, EXECUTOR)
        while self.services.dispatcher.dispatch(limit=1000):
            pass
        setup = time.perf_counter() - started
        with self.db.reading() as session:
            children = session.execute(
                select(Instance.id, MeterCommand.command_id).join(MeterCommand, MeterCommand.instance_id == Instance.id)
                .where(Instance.parent_id == batch).order_by(Instance.id)).all()
            waiting = session.scalar(select(func.count()).select_from(WaitingMessage).join(
                Instance, Instance.id == WaitingMessage.instance_id).where(
                Instance.parent_id == batch, WaitingMessage.message_name == "headend_result"))
            pending = session.scalar(select(func.count()).select_from(OutboxMessage)
                                     .where(OutboxMessage.status != "sent"))
        if len(children) != self.size or waiting != self.size or pending or self.headend.sent != self.size:
            raise AssertionError(f"batch of {self.size} not waiting as expected: {len(children)} commands, "
                                 f"{waiting} children waiting, {pending} outbox rows unsent, "
                                 f"{self.headend.sent} commands at the head-end")
        return batch, [(row.id, row.command_id) for row in children], setup

    def result(self, command_id: str) -> float:
        payload = {"result_id": f"R-{command_id}", "command_id": command_id, "stage": "executed", "relay": "open",
                   "at": datetime.now(UTC).isoformat()}
        started = time.perf_counter()
        outcome = take_headend_result(self.services.runtime, payload)
        elapsed = time.perf_counter() - started
        if outcome.get("delivery") != "delivered":
            raise AssertionError(f"result for {command_id} not delivered: {outcome}")
        return elapsed

    def wake_parent(self) -> float:
        """The worker's tick after the last child: the parent gets every result."""
        started = time.perf_counter()
        if self.services.runtime.recover() != 1:
            raise AssertionError("the tick woke no parent")
        return time.perf_counter() - started

    def check_done(self, batch: int) -> tuple[int, int]:
        """Every child completed and the parent awake at 'send to archive'; (parent, child) state sizes."""
        with self.db.reading() as session:
            statuses = dict(session.execute(select(Instance.status, func.count()).where(Instance.parent_id == batch)
                                            .group_by(Instance.status)).all())
            archive_task = session.scalar(select(func.count()).select_from(UserTask).where(
                UserTask.instance_id == batch, UserTask.element_id == "send_to_archive"))
            parent_state = session.scalar(select(func.length(Instance.state)).where(Instance.id == batch))
            child_state = session.scalar(select(func.max(func.length(Instance.state)))
                                         .where(Instance.parent_id == batch))
        if statuses != {"completed": self.size} or archive_task != 1:
            raise AssertionError(f"batch {batch}: children {statuses}, send_to_archive tasks {archive_task}")
        return int(parent_state or 0), int(child_state or 0)

    def dispose(self) -> None:
        self.db.dispose()


def run_size(size: int, batches: int, samples: int, tmp: Path, postgres_url: str | None) -> Timings:
    timings = Timings()
    per_batch = math.ceil(samples / batches)
    for _ in range(batches):
        bench = Batch(size, tmp, postgres_url)
        try:
            batch, children, setup = bench.drive_to_waiting()
            timings.setup.append(setup)
            *others, last = children
            step = max(len(others) / per_batch, 1.0)
            sampled = {int(i * step) for i in range(min(per_batch, len(others)))}
            for index, (_, command_id) in enumerate(others):
                elapsed = bench.result(command_id)
                if index in sampled:
                    timings.one.append(elapsed)
            timings.last.append(bench.result(last[1]))
            timings.parent.append(bench.wake_parent())
            timings.parent_state_chars, timings.child_state_chars = bench.check_done(batch)
        finally:
            bench.dispose()
    return timings


def ms(seconds: float) -> str:
    return f"{1000 * seconds:8.2f} ms"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="10,100,500", help="batch sizes (default 10,100,500)")
    parser.add_argument("--samples", type=int, default=24, help="non-last children timed per size (default 24)")
    parser.add_argument("--batches", type=int, default=3,
                        help="batches per size, each in a fresh database (more for small sizes if needed to "
                             "reach --samples); each gives one LAST-child time (default 3)")
    parser.add_argument("--postgres", metavar="URL", default=None,
                        help="use this PostgreSQL database (its schema public is DROPPED and recreated per "
                             "batch; the database name must end in 'test')")
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",")]
    if min(sizes) < 2:
        raise SystemExit("batch sizes must be 2 or more (one child is the last)")

    print("relayflow disconnection batch benchmark: one head-end result (M4.3.5)")
    print(f"cpu affinity: {pin_to_one_core()}")
    print(f"python {platform.python_version()}, SQLAlchemy {sqlalchemy.__version__}, "
          f"sqlite {__import__('sqlite3').sqlite_version}, {platform.machine()}, {os.cpu_count()} cpus visible")
    backend = "PostgreSQL " + args.postgres if args.postgres else \
        f"SQLite file per batch ({', '.join(storage.db.SQLITE_PRAGMAS)})"
    print(f"database: {backend}; head-end: takes commands, never answers; results fed by "
          f"app.usecases.headend_results.take_headend_result (stage executed, relay open)")

    results: dict[int, Timings] = {}
    with tempfile.TemporaryDirectory(prefix="relayflow-batch-") as tmp:
        for size in sizes:
            batches = max(args.batches, math.ceil(args.samples / (size - 1)))
            started = time.perf_counter()
            t = run_size(size, batches, args.samples, Path(tmp), args.postgres)
            results[size] = t
            print(f"N={size:4}: {batches} batches in {time.perf_counter() - started:5.1f} s; "
                  f"issue -> all {size} children waiting: median {statistics.median(t.setup):6.2f} s "
                  f"({1000 * statistics.median(t.setup) / size:.2f} ms/child); state chars parent "
                  f"{t.parent_state_chars:,}, child {t.child_state_chars:,}")
            print(f"        one result (not the last), {len(t.one)} children: median {ms(statistics.median(t.one))}"
                  f"  min {ms(min(t.one))}  max {ms(max(t.one))}")
            print(f"        LAST child's result (ends the batch), {len(t.last)} batches: "
                  f"median {ms(statistics.median(t.last))}  min {ms(min(t.last))}  max {ms(max(t.last))}"
                  f"  = {statistics.median(t.last) / statistics.median(t.one):.2f} x one result (target <= 1.5)")
            print(f"        then the worker's tick waking the parent (told the batch id of {size} children): "
                  f"median {ms(statistics.median(t.parent))}")

    print("RESULT" + (" PostgreSQL" if args.postgres else " SQLite") + ":")
    print(f"  {'N':>5} {'one result, median':>19} {'last result, median':>20}")
    for size, t in results.items():
        print(f"  {size:5} {ms(statistics.median(t.one)):>19} {ms(statistics.median(t.last)):>20}")
    small, large = min(results), max(results)
    ratio = statistics.median(results[large].one) / statistics.median(results[small].one)
    print(f"  ratio one result N={large} / N={small}: {ratio:.2f}  (target <= {TARGET_RATIO}: "
          f"{'met' if ratio <= TARGET_RATIO else 'NOT met'})")
    last_ratio = statistics.median(results[large].last) / statistics.median(results[small].last)
    print(f"  ratio LAST result N={large} / N={small}: {last_ratio:.2f}  (not a target)")
    last_middle = statistics.median(results[large].last) / statistics.median(results[large].one)
    print(f"  ratio LAST / one result at N={large}: {last_middle:.2f}  (target <= {TARGET_RATIO}: "
          f"{'met' if last_middle <= TARGET_RATIO else 'NOT met'})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
