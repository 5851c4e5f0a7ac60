"""``relayflow audit verify`` and the sealer while the system works (issue 10 items 20 and 21).

Per run: a fresh, migrated database (``--postgres URL``, or a SQLite file with the production
settings), ``benchmarks/throughput.bpmn`` deployed, and for ``--seconds`` three processes, as a
live installation has them:

- the "web" process: ``--writers`` threads, each with its own connections, together running
  ``--rate`` instances a second through the real runtime (start, then the message that completes
  it: two steps, ~18 events on the instance's stream) and appending one ``payments`` event per
  instance (a named stream, the real append path);
- the worker process: ``app.worker.Worker`` with ``Services.jobs`` (tick, outbox,
  patrol and the seal job every ``--seal-seconds``; events join a seal once ``--lag`` seconds old);
- this process, running ``relayflow audit verify`` again and again.

Then the writers and the worker stop and verify runs once more on the quiet database: it must be
intact, so every BROKEN seen during the run was a false alarm. Prints per run: verify runs and how
many cried BROKEN (by kind), seals made, seals per minute, events per seal (median), and how often
APScheduler skipped a seal round because the last one was still running; then medians over runs.

    createdb -h 127.0.0.1 -U postgres relayflow_audit_load_test
    .venv/bin/python benchmarks/audit_under_load.py --postgres postgresql://postgres@127.0.0.1:5432/relayflow_audit_load_test
    .venv/bin/python benchmarks/audit_under_load.py            # SQLite
"""

from __future__ import annotations

import argparse
import logging
import multiprocessing
import statistics
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from apscheduler.schedulers.background import BackgroundScheduler  # noqa: E402
from bench_common import reset_postgres  # noqa: E402
from runtime_throughput import DIAGRAM, HANDLERS, MESSAGE, PROCESS_ID, NullAdapter, result_payload  # noqa: E402
from sqlalchemy import select  # noqa: E402

from app import create_app  # noqa: E402
from app.bootstrap import Services  # noqa: E402
from app.runtime.actors import Actor  # noqa: E402
from app.runtime.events.history import NewEvent, append  # noqa: E402
from app.worker import Worker  # noqa: E402
from storage import migrate  # noqa: E402
from storage.models import HistorySeal  # noqa: E402

ACTOR = Actor("bench", frozenset())
SKIPPED = "maximum number of running instances reached"
SPAWN = multiprocessing.get_context("spawn")


@dataclass
class RunResult:
    verifies: int = 0
    broken: int = 0
    kinds: Counter[str] = field(default_factory=Counter)
    instances: int = 0
    seals: int = 0
    events_per_seal: float = 0.0
    skipped_rounds: int = 0
    quiet_verify: str = ""
    seconds: float = 0.0

    @property
    def seals_per_minute(self) -> float:
        return self.seals / self.seconds * 60


class SkipCounter(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.count = 0

    def emit(self, record: logging.LogRecord) -> None:
        if SKIPPED in record.getMessage() and "seal" in record.getMessage():
            self.count += 1


def config(directory: Path, url: str, args: argparse.Namespace) -> dict[str, Any]:
    return {
        "TESTING": False, "DATABASE_URL": url, "HANDLERS": HANDLERS,
        "OUTBOX_ADAPTERS": {"headend": NullAdapter(), "sms": NullAdapter()},
        "BPMN_DIR": str(directory / "no-bpmn"), "SECRET_KEY": "bench", "DEPLOY_ON_START": False,
        "AUDIT_KEY_FILE": str(directory / "seal.key"), "AUDIT_ANCHOR_FILE": str(directory / "anchors.jsonl"),
        "SEAL_LAG_SECONDS": args.lag, "SEAL_SECONDS": args.seal_seconds, "PATROL_SECONDS": 3600,
    }


def web_process(settings: dict[str, Any], writers: int, rate: float, stop: Any, out: Any) -> None:
    """``writers`` threads, one instance (two steps) and one payment each every ``writers / rate`` s."""
    services: Services = create_app(settings).extensions["relayflow"]
    done: list[int] = []
    halt = threading.Event()

    def write(name: str) -> None:
        beat, n = time.monotonic(), 0
        while not halt.is_set():
            n += 1
            order = f"{name}-{n}"
            services.runtime.start(PROCESS_ID, {"order_id": order}, ACTOR)
            services.runtime.deliver_message(MESSAGE, f"CMD-{order}", result_payload(f"CMD-{order}"), ACTOR,
                                             message_key=f"result:CMD-{order}")
            with services.db.transaction() as session:
                append(session, "payments", [NewEvent("payment.received", None, {"order": order})],
                       actor="billing", at=services.clock.now())
            done.append(1)
            beat += writers / rate
            halt.wait(max(0.0, beat - time.monotonic()))

    threads = [threading.Thread(target=write, args=(f"w{i}",)) for i in range(writers)]
    for thread in threads:
        thread.start()
    stop.wait()
    halt.set()
    for thread in threads:
        thread.join()
    out.put(len(done))


def worker_process(settings: dict[str, Any], stop: Any, out: Any) -> None:
    """The real worker's jobs; reports how often APScheduler skipped a seal round."""
    app = create_app(settings)
    services: Services = app.extensions["relayflow"]
    skips = SkipCounter()
    logging.getLogger("apscheduler").addHandler(skips)
    scheduler = Worker(services.jobs).schedule(BackgroundScheduler(timezone="UTC"))
    scheduler.start()
    stop.wait()
    scheduler.shutdown(wait=True)
    out.put(skips.count)


def kind_of(line: str) -> str:
    for marker in ("chain ends at", "is missing from the database", "changed since sealed", "is gone"):
        if marker in line:
            return marker
    return line[:60]


def one_run(args: argparse.Namespace) -> RunResult:
    result = RunResult()
    with tempfile.TemporaryDirectory(prefix="relayflow-audit-load-") as tmp:
        url = args.postgres or f"sqlite:///{Path(tmp) / 'relayflow.sqlite3'}"
        if args.postgres:
            reset_postgres(args.postgres)
        migrate.upgrade(url)
        settings = config(Path(tmp), url, args)
        app = create_app(settings)
        services: Services = app.extensions["relayflow"]
        services.deploy_files({DIAGRAM.name: DIAGRAM.read_bytes()}, Actor("bench-admin", frozenset({"sysadmin"})))
        stop, web_out, worker_out = SPAWN.Event(), SPAWN.Queue(), SPAWN.Queue()
        processes = [SPAWN.Process(target=web_process, args=(settings, args.writers, args.rate, stop, web_out)),
                     SPAWN.Process(target=worker_process, args=(settings, stop, worker_out))]
        for process in processes:
            process.start()
        time.sleep(args.warm_up)  # both children import and connect before the clock starts
        began = time.monotonic()
        runner = app.test_cli_runner()
        while time.monotonic() - began < args.seconds:
            verdict = runner.invoke(args=["audit", "verify"])
            result.verifies += 1
            if verdict.exit_code != 0:
                result.broken += 1
                result.kinds.update({kind_of(line) for line in verdict.output.splitlines()
                                     if line.startswith("BROKEN")})
        stop.set()
        result.instances, result.skipped_rounds = web_out.get(timeout=120), worker_out.get(timeout=120)
        for process in processes:
            process.join(timeout=60)
        result.seconds = time.monotonic() - began + args.warm_up
        with services.db.reading() as session:
            sizes = list(session.execute(select(HistorySeal.events)).scalars())
        result.seals, result.events_per_seal = len(sizes), statistics.median(sizes) if sizes else 0.0
        quiet = runner.invoke(args=["audit", "verify"])
        result.quiet_verify = "intact" if quiet.exit_code == 0 else f"BROKEN (exit {quiet.exit_code})"
        services.db.dispose()
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--postgres", default=None, help="a database whose name ends in 'test' (its schema is reset)")
    parser.add_argument("--seconds", type=float, default=30.0, help="how long each run writes and verifies")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--writers", type=int, default=3)
    parser.add_argument("--rate", type=float, default=6.0, help="instances a second, all writers together")
    parser.add_argument("--seal-seconds", type=float, default=5.0, help="the worker's SEAL_SECONDS")
    parser.add_argument("--lag", type=float, default=1.0, help="SEAL_LAG_SECONDS")
    parser.add_argument("--warm-up", type=float, default=3.0, help="seconds the children get to start")
    args = parser.parse_args(argv)
    print(f"{'postgresql' if args.postgres else 'sqlite'}: {args.writers} writers, {args.rate} instances/s "
          f"(~{args.rate * 19:.0f} events/s), SEAL_SECONDS={args.seal_seconds}, lag {args.lag} s, "
          f"{args.seconds:.0f} s per run")
    results = []
    for number in range(1, args.runs + 1):
        r = one_run(args)
        results.append(r)
        print(f"run {number}: verify {r.broken}/{r.verifies} BROKEN {dict(r.kinds) or ''}; {r.instances} instances; "
              f"{r.seals} seals ({r.seals_per_minute:.1f}/min, median {r.events_per_seal:.0f} events), "
              f"{r.skipped_rounds} seal rounds skipped; quiet verify: {r.quiet_verify}")
    print(f"medians over {len(results)} runs: verify BROKEN "
          f"{statistics.median(r.broken / r.verifies for r in results):.0%} of runs "
          f"({statistics.median(r.broken for r in results):.0f} of "
          f"{statistics.median(r.verifies for r in results):.0f}); "
          f"{statistics.median(r.seals_per_minute for r in results):.1f} seals/min "
          f"(one round every {args.seal_seconds:g} s: {60 / args.seal_seconds:.1f}/min); "
          f"median {statistics.median(r.events_per_seal for r in results):.0f} events per seal; "
          f"{statistics.median(r.skipped_rounds for r in results):.0f} rounds skipped")
    return 1 if any(r.quiet_verify != "intact" for r in results) else 0


if __name__ == "__main__":
    raise SystemExit(main())
