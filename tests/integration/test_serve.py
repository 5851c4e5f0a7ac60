"""``relayflow serve`` for real (issue 14 items 3 and 4): gunicorn with two web processes beside a
worker process, all on one database and one ``PROMETHEUS_MULTIPROC_DIR``. The sign-in limit holds
whichever process answers; one scrape sums the counts of the web processes and of the worker;
HUP reloads the web processes and TERM stops everything cleanly."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import urllib.error
import urllib.request
from datetime import UTC, datetime, timedelta
from http.cookiejar import CookieJar
from pathlib import Path
from typing import Any

from prometheus_client.parser import text_string_to_metric_families

from tests.integration.worker_processes import RELAYFLOW, start_worker, wait_for
from tests.utility import build_utility_app, seed_customer, seed_segment

CSRF = re.compile(r'<meta name="csrf-token" content="([^"]+)"')


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Client:
    def __init__(self, base: str) -> None:
        self.base = base
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()))

    def call(self, path: str, data: bytes | None = None, headers: dict[str, str] | None = None) -> tuple[int, str]:
        request = urllib.request.Request(self.base + path, data=data, headers=headers or {})
        try:
            with self.opener.open(request, timeout=30) as answer:
                return answer.status, answer.read().decode()
        except urllib.error.HTTPError as refused:
            return refused.code, refused.read().decode()

    def sign_in(self, username: str, password: str) -> int:
        token = CSRF.search(self.call("/login")[1])
        assert token is not None
        form = f"username={username}&password={password}&csrf_token={token.group(1)}".encode()
        status, body = self.call("/login", form, {"Content-Type": "application/x-www-form-urlencoded"})
        assert status != 400, body
        return status

    def samples(self) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
        status, text = self.call("/metrics")
        assert status == 200, text
        return {(s.name, tuple(sorted(s.labels.items()))): s.value
                for family in text_string_to_metric_families(text) for s in family.samples}


def test_two_web_processes_and_a_worker_share_limits_and_metrics(sqlite_url: str, tmp_path: Path) -> None:
    app = build_utility_app(sqlite_url, tmp_path)  # bpmn/ deployed
    services = app.extensions["relayflow"]
    seed_segment(services)
    seed_customer(services, "3400000021", owed_cents=8_850, channel_seen_at=datetime.now(UTC))
    services.db.dispose()
    metrics_dir = tmp_path / "prometheus"
    metrics_dir.mkdir()
    shared = {"PROMETHEUS_MULTIPROC_DIR": str(metrics_dir), "RELAYFLOW_BILLING_TOKEN": "bill-token",
              "RELAYFLOW_HEADEND_TOKEN": "hes-token", "RELAYFLOW_SMS_LOG_PATH": str(tmp_path / "sms.jsonl")}
    port = _free_port()
    server = subprocess.Popen([RELAYFLOW, "serve", "--workers", "2", "--port", str(port)],
                              env={**os.environ, "DATABASE_URL": sqlite_url, "RELAYFLOW_SECRET_KEY": "test", **shared,
                                   "RELAYFLOW_DEPLOY_ON_START": "0"},
                              stdout=(tmp_path / "serve.log").open("w"), stderr=subprocess.STDOUT)
    worker = start_worker(sqlite_url, tmp_path, **shared)
    client = Client(f"http://127.0.0.1:{port}")
    try:
        wait_for(lambda: _answers(client), "the server")
        for _ in range(5):  # failures land on either web process: the database counts them all
            assert Client(client.base).sign_in("ghost", "guess") == 401
        assert Client(client.base).sign_in("ghost", "guess") == 429

        paid = client.call("/api/payments", json.dumps({
            "payment_id": "P-1", "customer_number": "3400000021", "amount": "88.50",
            "paid_at": (datetime.now(UTC) - timedelta(minutes=1)).isoformat()}).encode(),
            {"Authorization": "Bearer bill-token", "Content-Type": "application/json"})
        assert paid[0] == 200 and json.loads(paid[1])["reconnection_instance"] is not None, paid

        def both_counted() -> dict[Any, float] | None:
            samples = client.samples()
            web = samples.get(("relayflow_steps_total", (("kind", "system:payment"), ("outcome", "ok"))), 0)
            work = samples.get(("relayflow_steps_total", (("kind", "system:headend"), ("outcome", "ok"))), 0)
            return samples if web >= 1 and work >= 1 else None

        samples = wait_for(both_counted, "steps of the web process and of the worker in one scrape")
        assert samples[("relayflow_callback_items_total", (("endpoint", "payments"), ("outcome", "taken")))] == 1
        assert samples[("relayflow_payment_to_command_seconds_count", ())] == 1  # handed over by the worker
        writers = {re.sub(r"\D", "", path.stem.rsplit("_", 1)[-1]) for path in metrics_dir.glob("*.db")}
        assert len(writers) >= 2, writers  # the scrape summed files of several processes

        before = _worker_pids(server.pid)
        server.send_signal(signal.SIGHUP)  # graceful reload: new web processes, no refused request
        wait_for(lambda: _worker_pids(server.pid) and not (_worker_pids(server.pid) & before), "the reload")
        assert client.call("/healthz") == (200, '{"status":"ok"}\n')
    finally:
        server.send_signal(signal.SIGTERM)
        worker.send_signal(signal.SIGTERM)
    assert server.wait(timeout=60) == 0, (tmp_path / "serve.log").read_text()
    assert worker.wait(timeout=60) == 0


def _answers(client: Client) -> bool:
    try:
        return client.call("/healthz")[0] == 200
    except OSError:
        return False


def _worker_pids(master: int) -> set[int]:
    found = subprocess.run(["ps", "-o", "pid=", "--ppid", str(master)], capture_output=True, text=True)
    return {int(pid) for pid in found.stdout.split()}
