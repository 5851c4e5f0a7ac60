"""Crash runs with big numbers (issue 14 item 5): ``tests/chaos`` with 1,000 reconnections and ~15
``kill -9`` of real worker processes, on SQLite (one worker) and PostgreSQL (one, then two workers);
then the web process (``relayflow serve``) killed ~15 times while billing retries 200 payments.
Prints what was counted: reconnections completed / waiting, lost, stuck, incidents, keys per
attempt, re-sends after a crash (each with its row's key), SMS applied twice, the audit.

    .venv/bin/python benchmarks/chaos.py [--customers 1000] [--kills 15]
                                         [--postgres postgresql://postgres@127.0.0.1:5432/relayflow_chaos_test]

``--postgres`` drops and recreates schema ``public`` of a database whose name ends in ``test``.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench_common import reset_postgres  # noqa: E402

from tests.chaos.harness import CrashRun, kill_the_web_process_while_billing_retries  # noqa: E402


def one_run(url: str, customers: int, kills: int, workers: int) -> bool:
    return _crash(url, customers, workers, f"{workers} worker(s)",
                  lambda run: run.run(kills, deadline_seconds=1800))


def web_run(url: str, payments: int, kills: int) -> bool:
    return _crash(url, payments, 1, "the web process killed while billing retries",
                  lambda run: kill_the_web_process_while_billing_retries(run, kills))


def _crash(url: str, customers: int, workers: int, what: str, how: Callable[[CrashRun], Any]) -> bool:
    with tempfile.TemporaryDirectory(prefix="relayflow-chaos-") as tmp:
        run = CrashRun(url, Path(tmp), customers, workers=workers)
        try:
            report = how(run)
        finally:
            run.close()
    backend = "PostgreSQL" if url.startswith("postgresql") else "SQLite"
    print(f"--- {backend}, {what}: {'OK' if report.ok else 'FAILED'}")
    for line in report.lines():
        print("    " + line)
    return bool(report.ok)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--customers", type=int, default=1000)
    parser.add_argument("--kills", type=int, default=15)
    parser.add_argument("--postgres", metavar="URL", default=None)
    args = parser.parse_args(argv)
    print(f"relayflow crash runs: {args.customers} reconnections, {args.kills} kill -9 each; load {os.getloadavg()}")
    ok = True
    with tempfile.TemporaryDirectory(prefix="relayflow-chaos-db-") as tmp:
        ok &= one_run(f"sqlite:///{tmp}/chaos.sqlite3", args.customers, args.kills, 1)
    with tempfile.TemporaryDirectory(prefix="relayflow-chaos-db-") as tmp:
        ok &= web_run(f"sqlite:///{tmp}/chaos-web.sqlite3", args.customers // 5, args.kills)
    if args.postgres:
        for workers in (1, 2):
            reset_postgres(args.postgres)
            ok &= one_run(args.postgres, args.customers, args.kills, workers)
        reset_postgres(args.postgres)
        ok &= web_run(args.postgres, args.customers // 5, args.kills)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
