"""relayflow: ``create_app`` is the only way in (web, CLI and worker all start here)."""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask

from app.bootstrap import Services, bootstrap
from app.config import DEFAULTS, PROJECT_ROOT, from_environment
from storage.db import default_database_url


def create_app(test_config: Mapping[str, Any] | None = None) -> Flask:
    app = Flask(__name__, instance_path=str(PROJECT_ROOT / "var"),
                template_folder="web/templates", static_folder="web/static")
    app.config.from_mapping(DEFAULTS)
    app.config.from_mapping(from_environment())
    if test_config is not None:
        app.config.from_mapping(test_config)
    app.config["INSTANCE_PATH"] = app.instance_path
    if not app.config["DATABASE_URL"]:
        app.config["DATABASE_URL"] = default_database_url(app.instance_path)
    if not app.config["SECRET_KEY"]:
        app.config["SECRET_KEY"] = _instance_secret(Path(app.instance_path))
    app.extensions["relayflow"] = bootstrap(app.config)

    from app.web import register_web

    register_web(app)
    from app.cli import register_cli

    register_cli(app)
    return app


def services(app: Flask) -> Services:
    return app.extensions["relayflow"]  # type: ignore[no-any-return]


def _instance_secret(instance_path: Path) -> str:
    """A per-installation secret kept under var/ (never in the repository)."""
    path = instance_path / "secret_key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()
