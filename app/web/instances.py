"""(being built) The instances pages and JSON endpoints."""

from __future__ import annotations

from flask import Blueprint, Flask

bp = Blueprint("instances", __name__)


def register(app: Flask) -> None:
    app.register_blueprint(bp)
