"""Layered configuration: defaults → environment (``DATABASE_URL``, ``RELAYFLOW_*``) → test mapping."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

PROJECT_ROOT = Path(__file__).resolve().parent.parent

DEFAULTS: dict[str, Any] = {
    "DATABASE_URL": None,  # None: the embedded SQLite file under var/
    "BPMN_DIR": str(PROJECT_ROOT / "bpmn"),
    "DEPLOY_ON_START": True,
    "TICK_SECONDS": 5,  # how often a worker wakes due timers and recovers follow-ups
    "OUTBOX_SECONDS": 0.5,  # how often a worker looks for due outbox rows (one indexed query when none is due)
    "SECRET_KEY": None,
    # group commit (issue 14 item 1): machine steps per transaction, and how long a group may hold
    # SQLite's write lock (a person's click waits at most about this long)
    "GROUP_MAX_STEPS": 50,
    "GROUP_MAX_MS": 100,
    "LIVE_CACHE_SIZE": 512,  # workflows a process keeps in memory between steps (0: always load)
    "PATROL_SECONDS": 900,  # M5.1: every 15 minutes
    "HEADEND_TICK_SECONDS": 5,  # how often the head-end adapter's work between sends runs (the simulator's
    # answers, the DL/T 645 adapter's relay polls)
    "WORK_ORDER_SERIES": None,  # {"auto": {"prefix": "10", "length": 8}, "manual": {...}}; None: defaults
    "SMS_LOG_PATH": None,  # where the log-only SMS adapter writes; None: var/sms-log-only.jsonl
    # SMS over SMPP 3.4 (issue 15 item 3): set SMPP_HOST and the worker binds to that SMSC as a
    # transceiver; unset, SMS are only logged (the log-only adapter above)
    "SMPP_HOST": None,
    "SMPP_PORT": 2775,
    "SMPP_SYSTEM_ID": "",
    "SMPP_PASSWORD": "",  # never logged
    "SMPP_SYSTEM_TYPE": "",
    "SMPP_SOURCE_ADDR": "",  # the sender customers see (a service code)
    "SMPP_WINDOW": 10,  # submits waiting for their answer at once (the SMSC's window)
    "SMPP_PER_SECOND": 20,  # submits started per second at most
    "SMPP_RESPONSE_SECONDS": 10,  # how long a submit waits for the SMSC's answer
    "SMPP_ENQUIRE_SECONDS": 30,  # an idle link is checked this often
    "SMPP_RECONNECT_SECONDS": 2,  # first wait before binding again after a drop (doubles, up to a minute)
    "HEADEND_TOKEN": None,  # bearer token of POST /api/headend/results
    # the head-end over HTTP (issue 15; README "The head-end over HTTP"): None keeps the in-process
    # simulated head-end; ``make run`` points it at ``relayflow headend-sim``
    "HEADEND_URL": None,
    "HEADEND_COMMAND_TOKEN": None,  # the bearer token relayflow presents to the head-end (never logged)
    "HEADEND_CONNECT_TIMEOUT": 3,  # seconds
    "HEADEND_READ_TIMEOUT": 10,
    "HEADEND_FAILURES_TO_OPEN": 3,  # failures in a row that open the circuit breaker
    "HEADEND_OPEN_SECONDS": 30,  # how long it stays open before one command probes again
    # the head-end as DL/T 645 over TCP (issue 15 item 2; README "The head-end as DL/T 645 over TCP"): a
    # gateway (host:port) reaches every meter, ``HEADEND_DLT645_METERS`` gives meters an endpoint of their own
    # ({address: "host:port"}, or "address=host:port,…" in the environment). The timeouts and the breaker
    # are the HEADEND_* ones above, the breaker per endpoint. Password and operator code are never logged.
    "HEADEND_DLT645_GATEWAY": None,
    "HEADEND_DLT645_METERS": None,
    "HEADEND_DLT645_PASSWORD_LEVEL": 2,  # PA
    "HEADEND_DLT645_PASSWORD": None,  # 6 digits
    "HEADEND_DLT645_OPERATOR": None,  # the operator code, 8 digits
    "HEADEND_DLT645_METER_TIMEZONE": "Asia/Shanghai",  # the meters' clocks, in which a command's deadline is written
    "HEADEND_DLT645_POLL_SECONDS": 5,  # how often an accepted command's relay is read until it moves or the deadline
    "BILLING_TOKEN": None,  # bearer token of POST /api/payments
    # issue 5's global chain: keep both files where the database's administrators cannot write
    "AUDIT_KEY_FILE": None,  # the key that signs seals; None: var/audit-seal.key
    "AUDIT_ANCHOR_FILE": None,  # the append-only copy of every seal; None: var/audit-anchors-<database>.jsonl
    "SEAL_SECONDS": 300,  # how often a worker seals the history
    "SEAL_LAG_SECONDS": 60,  # events join a seal once this old (a transaction still open never misses its seal)
    "REHEARSAL_SECONDS": 5,  # how often a worker looks for queued rehearsals (issue 12)
    # several workers (issue 14 item 2): a crashed worker's once-at-a-time jobs (and, on SQLite, the
    # database) are taken over once its lease expires; a live worker renews its leases every heartbeat
    "LEASE_SECONDS": 30,
    "HEARTBEAT_SECONDS": 5,
    # the operator's probes (issue 14 item 4): /readyz wants a worker heard of this recently;
    # /metrics answers these addresses (comma-separated) or a bearer METRICS_TOKEN
    "READY_HEARTBEAT_SECONDS": 30,
    "METRICS_ALLOW": "127.0.0.1,::1",
    "METRICS_TOKEN": None,
    # the web layer's settings (Flask has defaults for some; these replace them)
    "WTF_CSRF_TIME_LIMIT": None,  # a form's token lives as long as the session: operators keep tabs open all day
    "SESSION_COOKIE_SAMESITE": "Lax",
    "SESSION_COOKIE_HTTPONLY": True,
    "MAX_CONTENT_LENGTH": 2 * 1024 * 1024,  # forms, JSON calls, callback batches: far above any real one
}


def from_environment(environ: os._Environ[str] | dict[str, str] | None = None) -> dict[str, Any]:
    env = os.environ if environ is None else environ
    values: dict[str, Any] = {}
    if env.get("DATABASE_URL"):
        values["DATABASE_URL"] = env["DATABASE_URL"]
    for key in ("BPMN_DIR", "SECRET_KEY", "HEADEND_TOKEN", "BILLING_TOKEN", "AUDIT_KEY_FILE", "AUDIT_ANCHOR_FILE",
                "METRICS_ALLOW", "METRICS_TOKEN", "SMS_LOG_PATH", "HEADEND_URL", "HEADEND_COMMAND_TOKEN",
                "HEADEND_DLT645_GATEWAY", "HEADEND_DLT645_METERS", "HEADEND_DLT645_PASSWORD", "HEADEND_DLT645_OPERATOR",
                "HEADEND_DLT645_METER_TIMEZONE", "SMPP_HOST", "SMPP_SYSTEM_ID", "SMPP_PASSWORD", "SMPP_SYSTEM_TYPE",
                "SMPP_SOURCE_ADDR"):
        if env.get(f"RELAYFLOW_{key}"):
            values[key] = env[f"RELAYFLOW_{key}"]
    for key in ("GROUP_MAX_STEPS", "GROUP_MAX_MS",
                "TICK_SECONDS", "OUTBOX_SECONDS", "PATROL_SECONDS", "HEADEND_TICK_SECONDS", "SEAL_SECONDS",
                "SEAL_LAG_SECONDS", "REHEARSAL_SECONDS", "LEASE_SECONDS", "HEARTBEAT_SECONDS",
                "READY_HEARTBEAT_SECONDS", "HEADEND_CONNECT_TIMEOUT", "HEADEND_READ_TIMEOUT",
                "HEADEND_FAILURES_TO_OPEN", "HEADEND_OPEN_SECONDS", "HEADEND_DLT645_PASSWORD_LEVEL",
                "HEADEND_DLT645_POLL_SECONDS", "SMPP_PORT", "SMPP_WINDOW", "SMPP_PER_SECOND", "SMPP_RESPONSE_SECONDS",
                "SMPP_ENQUIRE_SECONDS", "SMPP_RECONNECT_SECONDS"):
        if env.get(f"RELAYFLOW_{key}"):
            values[key] = float(env[f"RELAYFLOW_{key}"])
    if env.get("RELAYFLOW_DEPLOY_ON_START"):
        values["DEPLOY_ON_START"] = env["RELAYFLOW_DEPLOY_ON_START"].lower() not in ("0", "false", "no")
    return values
