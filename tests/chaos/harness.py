"""Crash runs (issue 14 item 5), shared by ``tests/chaos`` (small numbers) and ``benchmarks/chaos.py``
(big ones): real ``relayflow worker`` processes on a database, paid-up customers to reconnect, the
harness playing billing (payments through the use case) and the head-end (its two-stage results
through the callback use case, some sent twice), while workers are killed with ``kill -9`` at random
moments and restarted. Then what a crash must never do is counted:

- an instance lost (a paid-up customer without their reconnection) or stuck (running with nothing
  to wake it: no due timer, no open task, no awaited result), or an incident;
- an attempt (meter command or SMS) with two idempotency keys; re-sends are counted (delivery is at
  least once, each re-send carries its row's key) and the SMS log applies each key once;
- a broken history: ``relayflow audit verify`` (the real command) must be clean.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from app import create_app
from app.bootstrap import Services
from app.usecases.headend_results import take_headend_result
from app.usecases.payments import record_payment
from storage import migrate
from storage.domain_models import Customer, MeterCommand, Payment, Segment
from storage.models import Incident, Instance, OutboxMessage, UserTask
from tests.integration.worker_processes import RELAYFLOW, start_worker
from tests.utility import BPMN_DIR, DEPLOYER

OWED_CENTS = 8_850


@dataclass
class CrashReport:
    customers: int
    kills: int = 0
    reconnections: int = 0
    completed: int = 0
    waiting_on_timer: int = 0
    waiting_on_task: int = 0
    stuck: list[int] = field(default_factory=list)
    lost: list[str] = field(default_factory=list)
    incidents: int = 0
    commands: int = 0
    keys_per_attempt: Counter[int] = field(default_factory=Counter)  # how many keys each attempt had
    resent_rows: int = 0  # outbox rows sent more than once (each time with its own key)
    sms_applied_twice: int = 0
    audit_clean: bool = False
    audit_output: str = ""
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return (not self.stuck and not self.lost and not self.incidents and set(self.keys_per_attempt) <= {1}
                and not self.sms_applied_twice and self.audit_clean)

    def lines(self) -> list[str]:
        return [
            f"customers paid up: {self.customers}; workers killed with kill -9: {self.kills}; {self.seconds:.1f} s",
            f"reconnections: {self.reconnections} ({self.completed} completed, {self.waiting_on_timer} waiting on a "
            f"timer, {self.waiting_on_task} on a person's task); lost: {len(self.lost)}; stuck: {len(self.stuck)}; "
            f"incidents: {self.incidents}",
            f"meter commands: {self.commands}; keys per attempt: {dict(self.keys_per_attempt)}; outbox rows sent "
            f"again after a crash (same key): {self.resent_rows}; SMS applied twice: {self.sms_applied_twice}",
            f"relayflow audit verify: {'clean' if self.audit_clean else 'NOT clean: ' + self.audit_output[-500:]}",
        ]


class CrashRun:
    def __init__(self, url: str, tmp: Path, customers: int, *, workers: int = 1, seed: int = 14) -> None:
        self.url, self.tmp, self.count, self.workers = url, tmp, customers, workers
        self.random = random.Random(seed)
        self.env = {"RELAYFLOW_AUDIT_KEY_FILE": str(tmp / "seal.key"),
                    "RELAYFLOW_AUDIT_ANCHOR_FILE": str(tmp / "anchors.jsonl")}
        migrate.upgrade(url)
        self.app = create_app({"DATABASE_URL": url, "SECRET_KEY": "chaos", "DEPLOY_ON_START": False,
                               "SMS_LOG_PATH": str(tmp / "sms-harness.jsonl"), "AUDIT_KEY_FILE": str(tmp / "seal.key"),
                               "AUDIT_ANCHOR_FILE": str(tmp / "anchors.jsonl")})
        self.services: Services = self.app.extensions["relayflow"]
        self.services.deploy_directory(BPMN_DIR, DEPLOYER)
        self.numbers = [f"35{n:08d}" for n in range(1, customers + 1)]
        self._seed()
        self.processes: list[subprocess.Popen[str]] = []
        self.answered: set[str] = set()

    def _seed(self) -> None:
        now = datetime.now(UTC)
        with self.services.db.transaction() as session:
            session.add(Segment(code="C1", name="Chaos segment", reader_username="reader-c",
                                reader_mobile="13900000009"))
            session.flush()
            for number in self.numbers:
                session.add(Customer(
                    number=number, name=f"Customer {number}", mobile="13800138000", address=f"{number} Chaos Road",
                    customer_class="household", voltage_class="low", segment_code="C1",
                    meter_address=f"{int(number[-8:]):012d}", meter_protocol="dlt645", relay_type="external",
                    can_direct_close=True, ami_connected=True, channel_online=True, channel_seen_at=now,
                    power_status="disconnected", power_status_since=now - timedelta(days=3), auto_reconnect=True,
                    owed_cents=OWED_CENTS, overdue_since=now - timedelta(days=40)))

    # -- the run ------------------------------------------------------------------------------

    def run(self, kills: int, deadline_seconds: float = 240) -> CrashReport:
        report, started = CrashReport(self.count), time.monotonic()
        self.processes = [self._start(i) for i in range(self.workers)]
        to_pay = list(self.numbers)
        kill_every = max(len(to_pay) // max(kills, 1), 1)
        paid = 0
        give_up = started + deadline_seconds
        while to_pay and time.monotonic() < give_up:
            self._pay(to_pay.pop(0))
            paid += 1
            self._answer_sent_commands()
            if report.kills < kills and paid % kill_every == 0:
                self._kill_one(report)
        while report.kills < kills:
            self._kill_one(report)
        while time.monotonic() < give_up and not self._settled():
            self._answer_sent_commands()
            time.sleep(0.2)
        for process in self.processes:
            process.send_signal(signal.SIGTERM)
        for process in self.processes:
            process.wait(timeout=60)
        report.seconds = time.monotonic() - started
        self._count(report)
        return report

    def _start(self, index: int) -> subprocess.Popen[str]:
        # each worker its own SMS log (the log-only adapter's file is one process's)
        return start_worker(self.url, self.tmp, **self.env,
                            RELAYFLOW_SMS_LOG_PATH=str(self.tmp / f"sms-worker-{index}.jsonl"))

    def _kill_one(self, report: CrashReport) -> None:
        time.sleep(self.random.uniform(0.05, 0.6))  # a random moment of whatever the worker is doing
        index = self.random.randrange(len(self.processes))
        self.processes[index].send_signal(signal.SIGKILL)
        self.processes[index].wait(timeout=30)
        report.kills += 1
        self.processes[index] = self._start(index)

    def _pay(self, number: str) -> None:
        payment = {"payment_id": f"PAY-{number}", "customer_number": number, "amount": f"{OWED_CENTS / 100:.2f}",
                   "paid_at": (datetime.now(UTC) - timedelta(seconds=5)).isoformat()}
        record_payment(self.services.runtime, payment)
        if self.random.random() < 0.2:  # billing sends it again: a duplicate, counted once
            record_payment(self.services.runtime, payment)

    def _answer_sent_commands(self) -> None:
        """The head-end: each command handed over gets accepted then executed (some results twice)."""
        with self.services.db.reading() as session:
            sent = session.execute(select(MeterCommand.command_id).where(
                MeterCommand.status.in_(("sent", "accepted")))).scalars().all()
        for command_id in sent:
            if command_id in self.answered:
                continue
            self.answered.add(command_id)
            at = datetime.now(UTC).isoformat()
            for stage, extra in (("accepted", {}), ("executed", {"relay": "closed"})):
                result = {"result_id": f"H-{command_id}-{stage}", "command_id": command_id, "stage": stage,
                          "at": at, **extra}
                take_headend_result(self.services.runtime, result)
                if self.random.random() < 0.1:  # the head-end resends it
                    take_headend_result(self.services.runtime, result)

    def _settled(self) -> bool:
        with self.services.db.reading() as session:
            running = session.execute(select(Instance.id, Instance.next_wake_at).where(
                Instance.process_id == "reconnect", Instance.status == "running")).all()
            open_commands = session.execute(select(func.count()).where(
                MeterCommand.status.in_(("queued", "sent", "accepted")))).scalar_one()
            pending = session.execute(select(func.count()).where(OutboxMessage.status == "pending")).scalar_one()
        now = datetime.now(UTC)
        return not pending and not open_commands and all(wake is None or wake > now for _, wake in running)

    # -- what a crash must never do -----------------------------------------------------------

    def _count(self, report: CrashReport) -> None:
        now = datetime.now(UTC)
        with self.services.db.reading() as session:
            instances = session.execute(select(Instance.id, Instance.status, Instance.next_wake_at, Instance.start_data)
                                        .where(Instance.process_id == "reconnect")).all()
            with_tasks = set(session.execute(select(UserTask.instance_id)).scalars())  # open tasks only
            report.incidents = session.execute(select(func.count(Incident.id))).scalar_one()
            rows = session.execute(select(OutboxMessage.adapter, OutboxMessage.payload,
                                          OutboxMessage.idempotency_key, OutboxMessage.attempts)).all()
            report.commands = session.execute(select(func.count(MeterCommand.id))).scalar_one()
        reconnected = Counter(str((row.start_data or {}).get("customer_number")) for row in instances)
        report.lost = [number for number in self.numbers if not reconnected[number]]
        report.reconnections = len(instances)
        for row in instances:
            if row.status == "completed":
                report.completed += 1
            elif row.status == "running" and row.next_wake_at is not None and row.next_wake_at > now:
                report.waiting_on_timer += 1
            elif row.status == "running" and row.id in with_tasks:
                report.waiting_on_task += 1
            else:
                report.stuck.append(row.id)
        keys: dict[str, set[str]] = {}
        for row in rows:
            attempt = str(row.payload.get("command_id")) if row.adapter == "headend" else row.idempotency_key
            keys.setdefault(attempt, set()).add(row.idempotency_key)
            report.resent_rows += row.attempts > 1
        report.keys_per_attempt = Counter(len(each) for each in keys.values())
        report.sms_applied_twice = self._sms_applied_twice()
        environment = {**_environ(), "DATABASE_URL": self.url, "RELAYFLOW_SECRET_KEY": "chaos", **self.env}
        audit = subprocess.run([RELAYFLOW, "audit", "verify"], capture_output=True, text=True, timeout=600,
                               env=environment)
        report.audit_clean, report.audit_output = audit.returncode == 0, audit.stdout + audit.stderr

    def _sms_applied_twice(self) -> int:
        """Keys logged by more than one worker (each worker's log applies a key once by itself)."""
        logged: Counter[str] = Counter()
        for path in self.tmp.glob("sms-worker-*.jsonl"):
            for line in path.read_text().splitlines():
                logged[json.loads(line)["key"]] += 1
        return sum(1 for times in logged.values() if times > 1)

    def close(self) -> None:
        self.services.db.dispose()


def _environ() -> dict[str, Any]:
    return dict(os.environ)


@dataclass
class WebCrashReport:
    payments: int
    kills: int = 0
    retries: int = 0
    recorded: int = 0
    counted_twice: list[str] = field(default_factory=list)
    unpaid: list[str] = field(default_factory=list)
    without_reconnection: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.recorded == self.payments and not (self.counted_twice or self.unpaid or self.without_reconnection)

    def lines(self) -> list[str]:
        return [f"payments: {self.payments}; web process killed with kill -9: {self.kills}; client retries with the "
                f"same payment id: {self.retries}",
                f"recorded once: {self.recorded}; counted twice: {len(self.counted_twice)}; still owing: "
                f"{len(self.unpaid)}; paid but no reconnection: {len(self.without_reconnection)}"]


def kill_the_web_process_while_billing_retries(run: CrashRun, kills: int) -> WebCrashReport:
    """``relayflow serve`` (one process: the kill takes the whole web tier down) killed with kill -9
    at random moments while billing posts each payment until it gets an answer, retrying with the
    same payment id; then every payment must be recorded once and its customer reconnected."""
    import socket
    import urllib.error
    import urllib.request

    from tests.integration.worker_processes import wait_for

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = int(probe.getsockname()[1])
    env = {**_environ(), "DATABASE_URL": run.url, "RELAYFLOW_SECRET_KEY": "chaos", "RELAYFLOW_BILLING_TOKEN": "bill",
           "RELAYFLOW_DEPLOY_ON_START": "0", "RELAYFLOW_SMS_LOG_PATH": str(run.tmp / "sms-web.jsonl"), **run.env}
    log = (run.tmp / "serve.log").open("a")

    def serve() -> subprocess.Popen[bytes]:
        server = subprocess.Popen([RELAYFLOW, "serve", "--workers", "1", "--port", str(port)], env=env, stdout=log,
                                  stderr=subprocess.STDOUT, start_new_session=True)  # killed as a group
        wait_for(lambda: _answers(f"http://127.0.0.1:{port}/healthz"), "the web server")
        return server

    report = WebCrashReport(len(run.numbers))
    server = serve()
    kill_every = max(len(run.numbers) // (kills + 1), 1)  # never after the last payment: one always follows
    try:
        for index, number in enumerate(run.numbers, 1):
            body = json.dumps({"payment_id": f"WEB-{number}", "customer_number": number,
                               "amount": f"{OWED_CENTS / 100:.2f}",
                               "paid_at": (datetime.now(UTC) - timedelta(seconds=5)).isoformat()}).encode()
            killer = None
            if report.kills < kills and index % kill_every == 0:  # this request meets a dying server
                killer = threading.Timer(run.random.uniform(0.0, 0.05), os.killpg, (server.pid, signal.SIGKILL))
                killer.start()
                report.kills += 1
            give_up = time.monotonic() + 60
            while True:  # billing's rule: the same payment again until an answer comes
                try:
                    request = urllib.request.Request(f"http://127.0.0.1:{port}/api/payments", data=body, headers={
                        "Authorization": "Bearer bill", "Content-Type": "application/json"})
                    with urllib.request.urlopen(request, timeout=30) as answer:
                        answer.read()
                    break
                except (urllib.error.URLError, ConnectionError, TimeoutError):
                    report.retries += 1
                    if time.monotonic() > give_up:
                        raise
                    time.sleep(0.05)
                    if server.poll() is not None:
                        server = serve()
            if killer is not None:
                killer.join()  # killed during or just after this payment: the next one finds it down
    finally:
        if server.poll() is None:
            server.send_signal(signal.SIGTERM)
        server.wait(timeout=60)
        log.close()
    _count_payments(run, report)
    return report


def _count_payments(run: CrashRun, report: WebCrashReport) -> None:
    with run.services.db.reading() as session:
        per_id = Counter(session.execute(select(Payment.payment_id)).scalars())
        owing = set(session.execute(select(Customer.number).where(Customer.owed_cents != 0)).scalars())
        started = Counter(str((data or {}).get("customer_number")) for data in session.execute(
            select(Instance.start_data).where(Instance.process_id == "reconnect")).scalars())
    report.recorded = sum(1 for number in run.numbers if per_id[f"WEB-{number}"] == 1)
    report.counted_twice = [number for number in run.numbers if per_id[f"WEB-{number}"] > 1]
    report.unpaid = [number for number in run.numbers if number in owing]
    report.without_reconnection = [number for number in run.numbers if started[number] != 1]


def _answers(url: str) -> bool:
    import urllib.request

    try:
        with urllib.request.urlopen(url, timeout=5) as answer:
            return bool(answer.status == 200)
    except OSError:
        return False
