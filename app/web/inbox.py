"""(being built) The inbox pages and JSON endpoints."""

from __future__ import annotations

from flask import Blueprint, Flask

bp = Blueprint("inbox", __name__)


def register(app: Flask) -> None:
    app.register_blueprint(bp)
