"""What every session-authenticated JSON endpoint shares: reading the body, paging, ``/api/me``."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Flask, request
from flask.typing import ResponseReturnValue
from flask_login import login_required
from flask_wtf.csrf import generate_csrf

from app.runtime.errors import RuntimeActionError
from app.web.auth import current_actor

api_common = Blueprint("api_common", __name__, url_prefix="/api")

MAX_PAGE_SIZE = 200


def register(app: Flask) -> None:
    app.register_blueprint(api_common)


def json_body() -> dict[str, Any]:
    """The request's JSON object, or a 400 that says what is wrong with it."""
    if not request.is_json:
        raise RuntimeActionError("send a JSON object with Content-Type: application/json")
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise RuntimeActionError("the body is not a JSON object (malformed JSON, or a list/string/number)")
    return body


def int_arg(name: str, default: int, *, low: int = 1, high: int | None = None) -> int:
    """An integer query argument within [low, high]; anything else is a 400 naming the argument."""
    raw = request.args.get(name)
    if raw in (None, ""):
        return default
    try:
        value = int(raw)
    except ValueError:
        raise RuntimeActionError(f"{name} must be a whole number, not {raw[:20]!r}") from None
    if value < low or (high is not None and value > high):
        raise RuntimeActionError(f"{name} must be between {low} and {high}" if high else f"{name} must be ≥ {low}")
    return value


@api_common.get("/me")
@login_required  # any signed-in account, even one without roles, may see that it has none
def me() -> ResponseReturnValue:
    """Who is signed in, their roles, and the CSRF token a script sends back as X-CSRFToken."""
    actor = current_actor()
    return {"username": actor.name, "roles": sorted(actor.roles), "csrf_token": generate_csrf()}
