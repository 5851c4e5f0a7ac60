"""(being built) The task_forms pages and JSON endpoints."""

from __future__ import annotations

from flask import Blueprint, Flask

bp = Blueprint("task_forms", __name__)


def register(app: Flask) -> None:
    app.register_blueprint(bp)
