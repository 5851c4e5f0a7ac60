"""Payment → command latency (issue 14 item 6): payments posted at a steady rate through the HTTP API
to ``relayflow serve`` with a ``relayflow worker`` running; for each payment, the time from the payment
received (its reconnection order opened, in the payment's own transaction) to the reconnect command
handed to the head-end adapter (``meter_commands.sent_at``, the outbox receipt) — both read from the
database, not from the client. Prints p50 / p95 / p99 and the maximum. Target: p95 <= 2 s.

    .venv/bin/python benchmarks/payment_latency.py [--rate 20] [--seconds 30] [--web-workers 2]
                                                   [--postgres URL]

``--postgres`` drops and recreates schema ``public`` of a database whose name ends in ``test``.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench_common import reset_postgres  # noqa: E402
from sqlalchemy import select  # noqa: E402

from storage.domain_models import MeterCommand, Reconnection  # noqa: E402
from tests.chaos.harness import OWED_CENTS, CrashRun  # noqa: E402
from tests.integration.worker_processes import RELAYFLOW, start_worker, wait_for  # noqa: E402

TOKEN = "bench-billing"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def post_payment(base: str, number: str) -> None:
    body = json.dumps({"payment_id": f"LAT-{number}", "customer_number": number, "amount": f"{OWED_CENTS / 100:.2f}",
                       "paid_at": (datetime.now(UTC) - timedelta(seconds=5)).isoformat()}).encode()
    request = urllib.request.Request(f"{base}/api/payments", data=body, headers={
        "Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=60) as answer:
        answer.read()


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rate", type=float, default=20.0, help="payments per second")
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--web-workers", type=int, default=2)
    parser.add_argument("--postgres", metavar="URL", default=None)
    args = parser.parse_args(argv)
    count = int(args.rate * args.seconds)
    with tempfile.TemporaryDirectory(prefix="relayflow-latency-") as name:
        tmp = Path(name)
        url = args.postgres or f"sqlite:///{tmp}/latency.sqlite3"
        if args.postgres:
            reset_postgres(args.postgres)
        setup = CrashRun(url, tmp, count)  # migrated, bpmn/ deployed, `count` disconnected customers who owe
        numbers = setup.numbers
        setup.close()
        port = free_port()
        env = {**os.environ, "DATABASE_URL": url, "RELAYFLOW_SECRET_KEY": "bench", "RELAYFLOW_BILLING_TOKEN": TOKEN,
               "RELAYFLOW_DEPLOY_ON_START": "0", "RELAYFLOW_SMS_LOG_PATH": str(tmp / "sms-web.jsonl"),
               "RELAYFLOW_AUDIT_KEY_FILE": str(tmp / "seal.key"),
               "RELAYFLOW_AUDIT_ANCHOR_FILE": str(tmp / "anchors.jsonl")}
        server = subprocess.Popen([RELAYFLOW, "serve", "--workers", str(args.web_workers), "--port", str(port)],
                                  env=env, stdout=(tmp / "serve.log").open("w"), stderr=subprocess.STDOUT)
        worker = start_worker(url, tmp, RELAYFLOW_OUTBOX_SECONDS=os.environ.get("RELAYFLOW_OUTBOX_SECONDS", "0.5"),
                              RELAYFLOW_TICK_SECONDS="5", RELAYFLOW_PATROL_SECONDS="900",
                              RELAYFLOW_SMS_LOG_PATH=str(tmp / "sms-worker.jsonl"))
        base = f"http://127.0.0.1:{port}"
        try:
            wait_for(lambda: _answers(base), "the web server")
            print(f"relayflow payment → command latency: {count} payments at {args.rate:g}/s through "
                  f"POST /api/payments ({args.web_workers} web processes, relayflow serve) with one worker "
                  f"(outbox every "
                  f"{env.get('RELAYFLOW_OUTBOX_SECONDS', '0.5')} s); database {url.split(':')[0]}; "
                  f"load {os.getloadavg()}")
            _post_steadily(base, numbers, args.rate)
            latencies = wait_for(lambda: _latencies(setup, url, count), "every command handed over", seconds=300)
        finally:
            server.send_signal(signal.SIGTERM)
            worker.send_signal(signal.SIGTERM)
            server.wait(timeout=60)
            worker.wait(timeout=60)
    p95 = percentile(latencies, 0.95)
    print(f"payment received → command handed to the head-end adapter, {len(latencies)} payments: "
          f"p50 {percentile(latencies, 0.5):.3f} s, p95 {p95:.3f} s, p99 {percentile(latencies, 0.99):.3f} s, "
          f"max {max(latencies):.3f} s, mean {statistics.mean(latencies):.3f} s")
    print(f"target p95 <= 2 s: {'met' if p95 <= 2 else 'NOT met'}")
    return 0


def _answers(base: str) -> bool:
    try:
        with urllib.request.urlopen(f"{base}/healthz", timeout=5) as answer:
            return answer.status == 200
    except OSError:
        return False


def _post_steadily(base: str, numbers: list[str], rate: float) -> None:
    """One payment every 1/rate seconds, each on its own thread so a slow answer delays no other."""
    started, threads = time.monotonic(), []
    for index, number in enumerate(numbers):
        delay = started + index / rate - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        thread = threading.Thread(target=post_payment, args=(base, number))
        thread.start()
        threads.append(thread)
    for thread in threads:
        thread.join()


def _latencies(setup: CrashRun, url: str, count: int) -> list[float] | None:
    from sqlalchemy import create_engine

    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    try:
        with engine.connect() as conn:
            rows = conn.execute(select(Reconnection.opened_at, MeterCommand.sent_at)
                                .join(MeterCommand, MeterCommand.instance_id == Reconnection.instance_id)
                                .where(Reconnection.trigger == "payment", MeterCommand.sent_at.is_not(None))).all()
    finally:
        engine.dispose()
    if len(rows) < count:
        return None
    return [(sent - opened).total_seconds() for opened, sent in rows]


if __name__ == "__main__":
    sys.exit(main())
