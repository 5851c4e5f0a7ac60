"""The composition root: ``bootstrap(config)`` builds every long-lived object once, in dependency
order and never changed afterwards — the runtime with its handler table, the outbox adapters
(which answer through the use cases), the dispatcher, the sealer and the worker's jobs.
``create_app`` (web, CLI, worker) calls it; tests pass their doubles through the same config keys
(``CLOCK``, ``HANDLERS``, ``VALIDATORS``, ``OUTBOX_ADAPTERS``)."""

from __future__ import annotations

import hashlib
import os
import secrets
import socket
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import timedelta
from functools import partial
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from app.accounts.roles import ROLES
from app.audit.seals import Sealer
from app.clock import Clock, SystemClock
from app.metrics import StepMetrics, command_handed_over
from app.rules.work_orders import series_from_config
from app.runtime.actors import Actor
from app.runtime.api import Runtime
from app.runtime.contract import OutboxAdapter
from app.runtime.deployment.deploy import DeployedBundle, deploy, seed
from app.runtime.events.outbox import DomainHooks, OutboxDispatcher
from app.runtime.inbox import Inbox
from app.runtime.steps.grouping import GroupCap
from app.usecases.headend_results import take_headend_results
from app.usecases.jobs import PeriodicJob, worker_jobs
from app.usecases.reconnections import ReconnectionRequests
from app.usecases.sms_receipts import take_delivery_receipt
from app.usecases.trip_checks import command_still_due
from app.workbench.deploys import record_deploys
from handlers import (
    HandlerSettings,
    handler_table,
    outbox_adapters,
    outbox_receipts,
    outbox_refusals,
    termination_hooks,
    validator_table,
)
from handlers.dlt645 import Credentials
from handlers.dlt645_link import LinkSettings, endpoint, meter_endpoints
from handlers.headend import RECONNECTION
from handlers.headend_dlt645 import Dlt645Settings
from handlers.headend_http import HeadEndHttpSettings
from handlers.smpp import settings_from_config
from storage.db import Database
from storage.outbox_rows import Outcome


@dataclass(frozen=True)
class Services:
    """Every long-lived object the app, CLI and worker share."""

    db: Database
    clock: Clock
    runtime: Runtime
    inbox: Inbox
    dispatcher: OutboxDispatcher
    sealer: Sealer
    jobs: tuple[PeriodicJob, ...]

    def write_as(self, writer: str) -> None:
        """This process appends to busy machine streams as ``writer`` (``outbox/<writer>``,
        ``headend/<writer>``, ``payments/<writer>``, ``messages/<writer>``): several workers and web
        processes then record side by side instead of queueing for one stream's head row (issue 14)."""
        self.runtime.writer = self.dispatcher.writer = writer

    def deploy_files(self, files: Mapping[str, bytes], actor: Actor) -> list[DeployedBundle]:
        """Make the files what new instances start (re-deploying earlier content rolls back to it)."""
        return self._write(deploy, files, actor)

    def deploy_directory(self, directory: str | Path, actor: Actor) -> list[DeployedBundle]:
        return self.deploy_files(bpmn_files(directory), actor)

    def seed_directory(self, directory: str | Path, actor: Actor) -> list[DeployedBundle]:
        """Deploy the directory's processes that have no version yet; change nothing that runs."""
        return self._write(seed, bpmn_files(directory), actor)

    def _write(self, how: Callable[..., list[DeployedBundle]], files: Mapping[str, bytes],
               actor: Actor) -> list[DeployedBundle]:
        if not files:
            return []
        with self.db.transaction() as session:
            bundles = how(session, self.runtime.codec, self.clock, actor, files,
                          operators=self.runtime.handlers.keys(), roles=ROLES,
                          validators=self.runtime.validators.keys())
            record_deploys(session, bundles, deployed_by=actor.name, at=self.clock.now())  # without approval
            return bundles


def process_identity() -> str:
    """``host:pid:token``: this process among every process on every machine (the token tells a
    reused pid from the process that had it); workers and web processes are named by it."""
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(3)}"


def bpmn_files(directory: str | Path) -> dict[str, bytes]:
    """The ``*.bpmn`` files of a directory and the ``*.dmn`` decision tables they call, by name."""
    paths = [*Path(directory).glob("*.bpmn"), *Path(directory).glob("*.dmn")]
    return {path.name: path.read_bytes() for path in sorted(paths)}


def bootstrap(config: Mapping[str, Any]) -> Services:
    """Build the services from a complete configuration (``create_app`` fills ``DATABASE_URL`` and
    ``INSTANCE_PATH``, where the SMS log, the seal key and the anchor file go by default)."""
    clock: Clock = config.get("CLOCK") or SystemClock()
    db = Database(config["DATABASE_URL"])
    settings = HandlerSettings(series_from_config(config["WORK_ORDER_SERIES"]))
    runtime = Runtime(db, config.get("HANDLERS") or handler_table(settings), clock=clock,
                      live_cache_size=int(config["LIVE_CACHE_SIZE"]),
                      validators=config.get("VALIDATORS") or validator_table(), termination_hooks=termination_hooks(),
                      group_cap=GroupCap(int(config["GROUP_MAX_STEPS"]), float(config["GROUP_MAX_MS"])),
                      observer=StepMetrics())
    hooks = DomainHooks(receipts=outbox_receipts(), checks={"headend": command_still_due}, refusals=outbox_refusals())
    dispatcher = OutboxDispatcher(db, _adapters(config, runtime), clock, hooks=hooks, on_sent=command_handed_over,
                                  on_refused=partial(_refused, runtime))
    sealer = _sealer(config, db, clock)
    return Services(db, clock, runtime, Inbox(db, clock), dispatcher, sealer,
                    worker_jobs(config, runtime, dispatcher, sealer))


def _adapters(config: Mapping[str, Any], runtime: Runtime) -> dict[str, OutboxAdapter]:
    """The outside world's adapters (the configured doubles, or the simulated head-end that answers
    through the head-end results use case, and the SMS adapter: SMPP when an SMSC is configured, its
    receipts recorded by their use case, else log-only), and the use cases a step reaches through the
    outbox."""
    outside = config.get("OUTBOX_ADAPTERS")
    if outside is None:
        sms_log = config["SMS_LOG_PATH"] or Path(config["INSTANCE_PATH"]) / "sms-log-only.jsonl"
        outside = outbox_adapters(Path(sms_log), partial(take_headend_results, runtime), runtime.clock,
                                  _headend_http(config), _headend_dlt645(config),
                                  smpp=settings_from_config(config),
                                  receipts_to=partial(take_delivery_receipt, runtime))
    return {**outside, RECONNECTION: ReconnectionRequests(runtime)}


def _headend_http(config: Mapping[str, Any]) -> HeadEndHttpSettings | None:
    if not config.get("HEADEND_URL"):
        return None
    return HeadEndHttpSettings(
        str(config["HEADEND_URL"]), config.get("HEADEND_COMMAND_TOKEN"),
        connect_timeout=float(config["HEADEND_CONNECT_TIMEOUT"]), read_timeout=float(config["HEADEND_READ_TIMEOUT"]),
        failures_to_open=int(config["HEADEND_FAILURES_TO_OPEN"]), open_seconds=float(config["HEADEND_OPEN_SECONDS"]))


def _headend_dlt645(config: Mapping[str, Any]) -> Dlt645Settings | None:
    """DL/T 645 over TCP when a gateway or meter endpoints are configured (never beside ``HEADEND_URL``)."""
    gateway, meters = config.get("HEADEND_DLT645_GATEWAY"), meter_endpoints(config.get("HEADEND_DLT645_METERS"))
    if not gateway and not meters:
        return None
    if config.get("HEADEND_URL"):
        raise ValueError("configure the head-end over HTTP (HEADEND_URL) or over DL/T 645 (HEADEND_DLT645_GATEWAY, "
                         "HEADEND_DLT645_METERS), not both")
    if not config.get("HEADEND_DLT645_PASSWORD") or not config.get("HEADEND_DLT645_OPERATOR"):
        raise ValueError("DL/T 645 commands need HEADEND_DLT645_PASSWORD and HEADEND_DLT645_OPERATOR")
    credentials = Credentials(int(config["HEADEND_DLT645_PASSWORD_LEVEL"]), str(config["HEADEND_DLT645_PASSWORD"]),
                              str(config["HEADEND_DLT645_OPERATOR"]))
    return Dlt645Settings(
        credentials, endpoint(str(gateway), "HEADEND_DLT645_GATEWAY") if gateway else None, meters,
        str(config["HEADEND_DLT645_METER_TIMEZONE"]), float(config["HEADEND_DLT645_POLL_SECONDS"]),
        LinkSettings(float(config["HEADEND_CONNECT_TIMEOUT"]), float(config["HEADEND_READ_TIMEOUT"]),
                     int(config["HEADEND_FAILURES_TO_OPEN"]), float(config["HEADEND_OPEN_SECONDS"])))


def _refused(runtime: Runtime, session: Session, row: Outcome, answer: str) -> None:
    """The receiver refused an instance's outside effect for good: the instance stops with an incident."""
    if row.instance_id is not None:
        runtime.stop_with_incident(session, row.instance_id, f"{row.adapter} refused {row.idempotency_key}: {answer}",
                                   Actor.system("outbox"))


def _sealer(config: Mapping[str, Any], db: Database, clock: Clock) -> Sealer:
    """The global chain's key and anchor file (outside the database); one anchor file per database."""
    database = hashlib.sha256(str(config["DATABASE_URL"]).encode()).hexdigest()[:12]
    instance_path = Path(config["INSTANCE_PATH"])
    key = config["AUDIT_KEY_FILE"] or instance_path / "audit-seal.key"
    anchor = config["AUDIT_ANCHOR_FILE"] or instance_path / f"audit-anchors-{database}.jsonl"
    return Sealer(db, clock, Path(key), Path(anchor), timedelta(seconds=float(config["SEAL_LAG_SECONDS"])))
