"""relayflow: ``create_app`` is the only way in (web, CLI and worker all start here)."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Mapping
from datetime import timedelta
from functools import partial
from pathlib import Path
from typing import Any

from flask import Flask

from app.audit.seals import Sealer
from app.bootstrap import Services, build_services
from app.clock import SystemClock
from app.config import DEFAULTS, PROJECT_ROOT, from_environment
from app.rules.work_orders import series_from_config
from storage.db import Database, default_database_url


def create_app(test_config: Mapping[str, Any] | None = None) -> Flask:
    app = Flask(__name__, instance_path=str(PROJECT_ROOT / "var"),
                template_folder="web/templates", static_folder="web/static")
    app.config.from_mapping(DEFAULTS)
    app.config.from_mapping(from_environment())
    if test_config is not None:
        app.config.from_mapping(test_config)
    if not app.config["DATABASE_URL"]:
        app.config["DATABASE_URL"] = default_database_url(app.instance_path)
    if not app.config["SECRET_KEY"]:
        app.config["SECRET_KEY"] = _instance_secret(Path(app.instance_path))

    from app.usecases.inbound import process_headend_result
    from app.usecases.reconnections import reconnect_if_due
    from handlers import (
        HandlerSettings,
        handler_table,
        outbox_adapters,
        outbox_receipts,
        termination_hooks,
        validator_table,
    )

    clock = app.config.get("CLOCK") or SystemClock()
    settings = HandlerSettings(series_from_config(app.config["WORK_ORDER_SERIES"]))
    given_adapters = app.config.get("OUTBOX_ADAPTERS")
    adapters: dict[str, Any] = given_adapters if given_adapters is not None else {}
    services = build_services(
        Database(app.config["DATABASE_URL"]), clock, app.config.get("HANDLERS") or handler_table(settings),
        adapters, live_cache_size=int(app.config["LIVE_CACHE_SIZE"]),
        validators=app.config.get("VALIDATORS") or validator_table(), receipts=outbox_receipts(),
        termination_hooks=termination_hooks(),
    )
    if given_adapters is None:  # built after the services: the simulated head-end answers through them
        sms_log = app.config["SMS_LOG_PATH"] or Path(app.instance_path) / "sms-log-only.jsonl"
        adapters.update(outbox_adapters(Path(sms_log), partial(process_headend_result, services), clock))
    services.runtime.follow_ups["reconnect_if_due"] = partial(reconnect_if_due, services.runtime)
    services.sealer = _sealer(app.config, Path(app.instance_path), services)
    app.extensions["relayflow"] = services

    from app.web import register_web

    register_web(app)
    from app.cli import register_cli

    register_cli(app)
    return app


def services(app: Flask) -> Services:
    return app.extensions["relayflow"]  # type: ignore[no-any-return]


def _sealer(config: Mapping[str, Any], instance_path: Path, services: Services) -> Sealer:
    """The global chain's key and anchor file (outside the database); one anchor file per database."""
    database = hashlib.sha256(str(config["DATABASE_URL"]).encode()).hexdigest()[:12]
    key = config["AUDIT_KEY_FILE"] or instance_path / "audit-seal.key"
    anchor = config["AUDIT_ANCHOR_FILE"] or instance_path / f"audit-anchors-{database}.jsonl"
    lag = timedelta(seconds=float(config["SEAL_LAG_SECONDS"]))
    return Sealer(services.db, services.clock, Path(key), Path(anchor), lag)


def _instance_secret(instance_path: Path) -> str:
    """A per-installation secret kept under var/ (never in the repository)."""
    path = instance_path / "secret_key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()
