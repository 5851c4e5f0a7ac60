"""Throughput of one small process: raw SpiffWorkflow in memory (a) versus relayflow durably (b).

The process (benchmarks/throughput.bpmn): start → 3 service tasks → receive task (correlated by a
process variable) → script task → service task → end. Both sides use the same parsed diagram,
the same script engine (``StepScriptEngine`` + ``RestrictedEnvironment``) and the same handlers.

(a) raw engine: per instance ``BpmnWorkflow(spec)`` → start data → ``do_engine_steps`` → send the
    message with ``send_event`` → ``do_engine_steps`` → completed. In memory, no serialization.
(b) relayflow: a fresh, migrated SQLite file with the production settings (WAL,
    synchronous=FULL); per instance ``runtime.start`` and ``runtime.deliver_message``, i.e. two
    durable steps with state, projections, history (hash chain) and outbox rows, each committed.

Prints instances/s of each (median of the rounds), the settings and the ratio b/a. Target: b/a ≥ 0.5.

    .venv/bin/python benchmarks/runtime_throughput.py [--instances N] [--rounds R]
                                                      [--synchronous full|normal|off]
                                                      [--profile] [--breakdown]
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import inspect
import io
import itertools
import logging
import os
import platform
import pstats
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import SpiffWorkflow  # noqa: E402
import sqlalchemy  # noqa: E402
from bench_common import pin_to_one_core, reset_postgres  # noqa: E402
from runtime_breakdown import install_breakdown, print_breakdown  # noqa: E402
from SpiffWorkflow.bpmn import BpmnWorkflow  # noqa: E402
from SpiffWorkflow.bpmn.util.event import BpmnEvent  # noqa: E402
from SpiffWorkflow.spiff.parser.process import VALIDATOR, SpiffBpmnParser  # noqa: E402
from SpiffWorkflow.spiff.specs.event_definitions import MessageEventDefinition  # noqa: E402
from sqlalchemy import func, select, text  # noqa: E402

import storage.db  # noqa: E402
from app.runtime.actors import Actor  # noqa: E402
from app.runtime.contract import ServiceContext  # noqa: E402
from app.runtime.engine.expressions import RestrictedEnvironment  # noqa: E402
from app.runtime.steps.services import StepEffects, StepScriptEngine, TaskServiceContext  # noqa: E402
from storage import migrate  # noqa: E402
from storage.models import HistoryEvent, InboundMessage, Instance, OutboxMessage  # noqa: E402

DIAGRAM = Path(__file__).with_name("throughput.bpmn")
PROCESS_ID = "bench_throughput"
MESSAGE = "bench_result"
CORRELATION_KEY = "MainCorrelationKey"  # the key SpiffWorkflow gives a processVariableCorrelation
ACTOR = Actor("bench", frozenset())

# The spiff.task logger as a plain SpiffWorkflow user has it; relayflow's first step attaches its
# transition recorder (INFO). Run (a) with the logger as it was before relayflow touched it.
_SPIFF_LOGGER = logging.getLogger("spiff.task")
_RAW_LOGGER_STATE = (_SPIFF_LOGGER.level, _SPIFF_LOGGER.propagate, list(_SPIFF_LOGGER.handlers))


# -- the handlers (same functions for (a) and (b)) -------------------------------------------------

def lookup(ctx: ServiceContext, order_id: str) -> dict[str, Any]:
    return {"order_id": order_id, "target": f"M-{order_id}", "customer": "C-1"}


def command(ctx: ServiceContext, order_id: str, target: str) -> dict[str, Any]:
    command_id = f"CMD-{order_id}"
    ctx.send("headend", {"target": target, "command_id": command_id})
    return {"command_id": command_id}


def audit(ctx: ServiceContext, command_id: str) -> dict[str, Any]:
    return {"audited": command_id}


def notify(ctx: ServiceContext, ok: bool) -> dict[str, Any]:
    key = ctx.send("sms", {"text": "done" if ok else "failed"})
    return {"queued": key}


HANDLERS = {"bench.lookup": lookup, "bench.command": command, "bench.audit": audit, "bench.notify": notify}


class NullAdapter:
    def send(self, payload: dict[str, Any], idempotency_key: str) -> dict[str, Any]:
        return {}


# -- (a) raw SpiffWorkflow -------------------------------------------------------------------------

@contextmanager
def raw_spiff_logger() -> Iterator[None]:
    saved = (_SPIFF_LOGGER.level, _SPIFF_LOGGER.propagate, list(_SPIFF_LOGGER.handlers))
    level, propagate, handlers = _RAW_LOGGER_STATE
    _SPIFF_LOGGER.setLevel(level)
    _SPIFF_LOGGER.propagate = propagate
    _SPIFF_LOGGER.handlers[:] = handlers
    try:
        yield
    finally:
        _SPIFF_LOGGER.setLevel(saved[0])
        _SPIFF_LOGGER.propagate = saved[1]
        _SPIFF_LOGGER.handlers[:] = saved[2]


class RawEngine:
    def __init__(self) -> None:
        parser = SpiffBpmnParser(validator=VALIDATOR)
        parser.add_bpmn_file(str(DIAGRAM))
        self.spec = parser.get_spec(PROCESS_ID)
        self.subprocess_specs = parser.get_subprocess_specs(PROCESS_ID)
        self.environment = RestrictedEnvironment()
        self.outbox_items = 0

    def run_one(self, instance_id: int, order_id: str) -> None:
        now = datetime.now(UTC)
        effects = StepEffects()

        def context(task: Any, operator: str) -> ServiceContext:
            return TaskServiceContext(None, now, instance_id, task, operator)  # type: ignore[arg-type]

        workflow = BpmnWorkflow(self.spec, self.subprocess_specs)
        workflow.script_engine = make_script_engine(self.environment, context, effects, [])
        workflow.get_next_task(spec_name="Start").set_data(order_id=order_id)
        workflow.do_engine_steps()
        command_id = f"CMD-{order_id}"
        workflow.send_event(BpmnEvent(MessageEventDefinition(MESSAGE), payload=result_payload(command_id),
                                      correlations={CORRELATION_KEY: {"command_id": command_id}}))
        workflow.do_engine_steps()
        if not workflow.completed:
            raise AssertionError(f"raw instance {instance_id} did not complete")
        self.outbox_items += len(effects.outbox)

    def round(self, ids: list[int], tag: str) -> float:
        with raw_spiff_logger():
            started = time.perf_counter()
            for i in ids:
                self.run_one(i, f"{tag}{i}")
            return time.perf_counter() - started


def make_script_engine(environment: RestrictedEnvironment, context: Callable[[Any, str], ServiceContext],
                       effects: StepEffects, log: list[Any]) -> StepScriptEngine:
    """The runtime's engine, built as ``Step`` builds it (handler events go to a per-instance log)."""
    if _ENGINE_TAKES_RECORD:
        return StepScriptEngine(environment, HANDLERS, context, effects, log.append)  # type: ignore[call-arg]
    return StepScriptEngine(environment, HANDLERS, context, effects)  # type: ignore[call-arg]


_ENGINE_TAKES_RECORD = "record" in inspect.signature(StepScriptEngine.__init__).parameters


def result_payload(command_id: str) -> dict[str, Any]:
    return {"command_id": command_id, "ok": True, "at": "12:03"}


# -- (b) relayflow ---------------------------------------------------------------------------------

class Relayflow:
    def __init__(self, directory: Path, postgres_url: str | None = None) -> None:
        from app import create_app

        self.path = directory / "relayflow.sqlite3"
        self.url = postgres_url or f"sqlite:///{self.path}"
        if postgres_url:
            reset_postgres(postgres_url)
        migrate.upgrade(self.url)
        self.app = create_app({
            "TESTING": False, "DATABASE_URL": self.url, "HANDLERS": HANDLERS,
            "OUTBOX_ADAPTERS": {"headend": NullAdapter(), "sms": NullAdapter()},
            "BPMN_DIR": str(directory / "no-bpmn"), "SECRET_KEY": "bench",
        })
        self.services = self.app.extensions["relayflow"]
        self.runtime = self.services.runtime
        self.db = self.services.db
        self.services.deploy_files({DIAGRAM.name: DIAGRAM.read_bytes()}, Actor("bench-admin", frozenset({"sysadmin"})))

    def pragmas(self) -> dict[str, Any]:
        if not self.db.is_sqlite:
            with self.db.engine.connect() as conn:
                return {name: conn.exec_driver_sql(f"SHOW {name}").scalar()
                        for name in ("synchronous_commit", "fsync", "wal_sync_method", "server_version")}
        names = ("journal_mode", "synchronous", "foreign_keys", "busy_timeout", "wal_autocheckpoint",
                 "page_size", "cache_size", "temp_store", "mmap_size")
        with self.db.engine.connect() as conn:
            return {name: conn.exec_driver_sql(f"PRAGMA {name}").scalar() for name in names}

    def run_one(self, order_id: str) -> int:
        """Two steps, each its own transaction (as a person's actions commit)."""
        instance_id = self.runtime.start(PROCESS_ID, {"order_id": order_id}, ACTOR)
        command_id = f"CMD-{order_id}"
        self.runtime.deliver_message(MESSAGE, command_id, result_payload(command_id), ACTOR,
                                     message_key=f"result:{command_id}")
        return instance_id

    def round(self, ids: list[int], tag: str) -> tuple[float, list[int]]:
        started = time.perf_counter()
        created = [self.run_one(f"{tag}{i}") for i in ids]
        return time.perf_counter() - started, created

    def grouped_round(self, ids: list[int], tag: str) -> tuple[float, list[int]]:
        """The same two steps per instance, grouped as the product groups machine work (issue 14
        item 1): the starts as the patrol starts reconnections, the results as a batched callback
        delivers them — many steps per transaction, one savepoint each, capped by ``GroupCap``."""
        started = time.perf_counter()
        with self.runtime.grouped() as group:
            created = [group.run(partial(self.runtime.start_within, process_id=PROCESS_ID,
                                         data={"order_id": f"{tag}{i}"}, actor=ACTOR)) for i in ids]
        with self.runtime.grouped() as group:
            for i in ids:
                command_id = f"CMD-{tag}{i}"
                group.run(partial(self.runtime.deliver_within, name=MESSAGE, correlation=command_id,
                                  payload=result_payload(command_id), actor=ACTOR, message_key=f"result:{command_id}"))
        return time.perf_counter() - started, created

    def check(self, instance_ids: list[int]) -> None:
        """One query for all instances of a round: every one must have completed."""
        with self.db.reading() as session:
            rows = session.execute(
                select(Instance.status, func.count()).where(Instance.id.between(min(instance_ids), max(instance_ids)))
                .group_by(Instance.status)).all()
        statuses = dict(rows)
        if statuses != {"completed": len(instance_ids)}:
            raise AssertionError(f"not all instances completed: {statuses}")

    def totals(self) -> dict[str, int]:
        with self.db.reading() as session:
            return {
                "instances completed": session.scalar(
                    select(func.count()).select_from(Instance).where(Instance.status == "completed")),
                "instances not completed": session.scalar(
                    select(func.count()).select_from(Instance).where(Instance.status != "completed")),
                "messages delivered": session.scalar(
                    select(func.count()).select_from(InboundMessage).where(InboundMessage.status == "delivered")),
                "outbox rows written": session.scalar(select(func.count()).select_from(OutboxMessage)),
                "history events": session.scalar(select(func.count()).select_from(HistoryEvent)),
            }

    def instance_state_size(self, instance_id: int) -> int:
        with self.db.reading() as session:
            return int(session.scalar(select(func.length(Instance.state)).where(Instance.id == instance_id)) or 0)

    def db_size(self) -> str:
        if not self.db.is_sqlite:
            with self.db.engine.connect() as conn:
                return str(conn.exec_driver_sql("SELECT pg_size_pretty(pg_database_size(current_database()))").scalar())
        sizes = [p.stat().st_size for p in self.path.parent.glob(self.path.name + "*")]
        return f"{sum(sizes) / 1e6:.1f} MB (db + wal + shm)"


# -- main ------------------------------------------------------------------------------------------

def set_synchronous(mode: str) -> tuple[str, ...]:
    if mode != "full":
        storage.db.SQLITE_PRAGMAS = tuple(
            f"synchronous={mode.upper()}" if p.startswith("synchronous=") else p for p in storage.db.SQLITE_PRAGMAS)
    return storage.db.SQLITE_PRAGMAS


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--instances", type=int, default=250, help="instances per round and side (default 250)")
    parser.add_argument("--rounds", type=int, default=5, help="measured rounds per side (default 5)")
    parser.add_argument("--warmup", type=int, default=100, help="warm-up instances per side (default 100)")
    parser.add_argument("--synchronous", choices=("full", "normal", "off"), default="full",
                        help="SQLite synchronous mode for (b); production is FULL (the default)")
    parser.add_argument("--postgres", metavar="URL", default=None,
                        help="run (b) on this PostgreSQL database instead (its schema public is DROPPED and "
                             "recreated; the database name must end in 'test')")
    parser.add_argument("--profile", action="store_true", help="cProfile one extra (b) round, print top 25")
    parser.add_argument("--breakdown", action="store_true", help="time components of one extra (b) round")
    args = parser.parse_args(argv)

    print("relayflow runtime throughput benchmark")
    print(f"cpu affinity: {pin_to_one_core()}")
    print(f"python {platform.python_version()} ({platform.python_implementation()}), "
          f"SpiffWorkflow {getattr(SpiffWorkflow, '__version__', '?')}, SQLAlchemy {sqlalchemy.__version__}, "
          f"sqlite {__import__('sqlite3').sqlite_version}, {platform.machine()}, {os.cpu_count()} cpus visible")
    print(f"diagram: {DIAGRAM.relative_to(ROOT)} (start → 3 service tasks → receive task → script → service → end)")
    pragmas = set_synchronous(args.synchronous)
    if args.synchronous != "full":
        print(f"NOTE: --synchronous {args.synchronous}: storage.db.SQLITE_PRAGMAS patched in this process "
              f"(production default is synchronous=FULL)")
    print(f"rounds: {args.rounds} x {args.instances} instances per side, interleaved a/b; "
          f"warm-up {args.warmup} per side; gc enabled")

    raw = RawEngine()
    with tempfile.TemporaryDirectory(prefix="relayflow-bench-") as tmp:
        bench = Relayflow(Path(tmp), args.postgres)
        print(f"(b) database: {bench.url}")
        if not args.postgres:
            print(f"(b) SQLITE_PRAGMAS configured: {', '.join(pragmas)}")
        print("(b) settings in effect: " + ", ".join(f"{k}={v}" for k, v in bench.pragmas().items()))

        counter = itertools.count(1)
        tag = f"r{os.getpid()}-"
        warm = [next(counter) for _ in range(args.warmup)]
        raw.round(warm, "w" + tag)
        _, created = bench.round(warm, "w" + tag)
        bench.check(created)
        print(f"(b) instance state after the receive task completes: {bench.instance_state_size(created[-1])} chars "
              f"of JSON")

        cap = bench.runtime.group_cap
        print(f"(g) group cap: {cap.steps} steps or {cap.millis:g} ms (GROUP_MAX_STEPS / GROUP_MAX_MS)")
        rates_a: list[float] = []
        rates_b: list[float] = []
        rates_g: list[float] = []
        sizes: list[float] = []
        for r in range(1, args.rounds + 1):
            ids = [next(counter) for _ in range(args.instances)]
            gc.collect()
            elapsed_a = raw.round(ids, tag)
            gc.collect()
            elapsed_b, created = bench.round(ids, tag)
            bench.check(created)
            ids = [next(counter) for _ in range(args.instances)]
            gc.collect()
            stats = replace(bench.runtime.group_stats)
            elapsed_g, created = bench.grouped_round(ids, tag)
            bench.check(created)
            groups = bench.runtime.group_stats.groups - stats.groups
            sizes.append((bench.runtime.group_stats.steps - stats.steps) / groups)
            rates_a.append(args.instances / elapsed_a)
            rates_b.append(args.instances / elapsed_b)
            rates_g.append(args.instances / elapsed_g)
            print(f"round {r}: (a) {rates_a[-1]:7.1f} inst/s ({1000 * elapsed_a / args.instances:.3f} ms)  "
                  f"(b) {rates_b[-1]:6.1f} ({1000 * elapsed_b / args.instances:.3f} ms) "
                  f"b/a {rates_b[-1] / rates_a[-1]:.3f}"
                  f"  (g) {rates_g[-1]:6.1f} ({1000 * elapsed_g / args.instances:.3f} ms) "
                  f"g/a {rates_g[-1] / rates_a[-1]:.3f} at {sizes[-1]:.1f} steps/group")

        med_a, med_b, med_g = (statistics.median(rates) for rates in (rates_a, rates_b, rates_g))
        print(f"(a) raw SpiffWorkflow, in memory:        median {med_a:8.1f} instances/s "
              f"(min {min(rates_a):.1f}, max {max(rates_a):.1f})")
        backend = "PostgreSQL" if args.postgres else f"SQLite synchronous={args.synchronous.upper()}"
        print(f"(b) relayflow, {backend:28}: median {med_b:8.1f} instances/s "
              f"(min {min(rates_b):.1f}, max {max(rates_b):.1f}), one step per transaction")
        print(f"(g) relayflow, {backend:28}: median {med_g:8.1f} instances/s "
              f"(min {min(rates_g):.1f}, max {max(rates_g):.1f}), grouped: median {statistics.median(sizes):.1f} "
              f"steps per transaction")
        target = 0.35 if args.postgres else 0.5
        for name, med in (("b/a (1 step per transaction)", med_b), ("g/a (group commit)", med_g)):
            ratio = med / med_a
            verdict = "met" if ratio >= target else "NOT met"
            print(f"ratio {name} of medians: {ratio:.3f}  (target >= {target}: {verdict})")
        print(f"(a) outbox items produced in memory: {raw.outbox_items}")
        for name, value in bench.totals().items():
            print(f"(b) {name}: {value}")
        print(f"(b) database size: {bench.db_size()}")

        if args.breakdown:
            ids = [next(counter) for _ in range(args.instances)]
            b, undo = install_breakdown(bench)
            gc.collect()
            try:
                elapsed, created = bench.round(ids, "bd" + tag)
            finally:
                undo()
            bench.check(created)
            print_breakdown(b, args.instances, elapsed)

        if args.profile:
            ids = [next(counter) for _ in range(args.instances)]
            profiler = cProfile.Profile()
            gc.collect()
            profiler.enable()
            elapsed, created = bench.round(ids, "pr" + tag)
            profiler.disable()
            bench.check(created)
            print(f"cProfile of one (b) round: {args.instances} instances in {elapsed:.2f} s under the profiler")
            for key in ("cumulative", "tottime"):
                out = io.StringIO()
                pstats.Stats(profiler, stream=out).strip_dirs().sort_stats(key).print_stats(25)
                print(f"--- top 25 by {key} ---")
                print(_trim_stats(out.getvalue()))
        bench.db.dispose()
        with bench.db.engine.connect() as conn:  # nothing pending: just prove the file is readable
            conn.execute(text("SELECT 1"))
        bench.db.dispose()
    return 0


def _trim_stats(report: str) -> str:
    lines = report.splitlines()
    start = next((i for i, line in enumerate(lines) if line.lstrip().startswith("ncalls")), 0)
    head = [line for line in lines[:start] if "function calls" in line]
    return "\n".join(head + lines[start:]).rstrip()


if __name__ == "__main__":
    sys.exit(main())
