"""Real ``relayflow worker`` processes for the tests that start, stop and kill them (issue 14)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, select
from sqlalchemy.engine import Engine

from storage.leases import Lease, WorkerHeartbeat

RELAYFLOW = str(Path(sys.executable).parent / "relayflow")
FAST = {"RELAYFLOW_HEARTBEAT_SECONDS": "0.2", "RELAYFLOW_LEASE_SECONDS": "3", "RELAYFLOW_TICK_SECONDS": "0.2",
        "RELAYFLOW_OUTBOX_SECONDS": "0.2", "RELAYFLOW_HEADEND_TICK_SECONDS": "0.2", "RELAYFLOW_SEAL_SECONDS": "600",
        "RELAYFLOW_PATROL_SECONDS": "1", "RELAYFLOW_REHEARSAL_SECONDS": "1"}


def start_worker(url: str, tmp: Path, **env: str) -> subprocess.Popen[str]:
    """A worker process on ``url`` with short intervals; its output goes to a file under ``tmp``."""
    log = tmp / f"worker-{time.monotonic_ns()}.log"
    environment = {**os.environ, "DATABASE_URL": url, "RELAYFLOW_SECRET_KEY": "test",
                   "RELAYFLOW_DEPLOY_ON_START": "0", "RELAYFLOW_AUDIT_KEY_FILE": str(tmp / "seal.key"),
                   "RELAYFLOW_AUDIT_ANCHOR_FILE": str(tmp / "anchors.jsonl"), **FAST, **env}
    process = subprocess.Popen([RELAYFLOW, "worker"], env=environment, stdout=log.open("w"),
                               stderr=subprocess.STDOUT, text=True)
    process.log = log  # type: ignore[attr-defined]
    return process


def engine_for(url: str) -> Engine:
    return create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))


def wait_for(condition: Callable[[], Any], what: str, seconds: float = 60) -> Any:
    """Poll ``condition`` until it is truthy (a minute at most: a loaded machine is only slower)."""
    give_up = time.monotonic() + seconds
    while time.monotonic() < give_up:
        value = condition()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"waited {seconds:g} s for {what}")


def heartbeats(engine: Engine) -> list[str]:
    with engine.connect() as conn:
        return list(conn.execute(select(WorkerHeartbeat.worker_id)).scalars())


def lease_holders(engine: Engine) -> dict[str, str]:
    with engine.connect() as conn:
        return {row.name: row.holder for row in conn.execute(select(Lease.name, Lease.holder))}


def output(process: subprocess.Popen[str]) -> str:
    return Path(process.log).read_text()  # type: ignore[attr-defined]
