"""``GET /api/me``: who is signed in, their roles, and the CSRF token of their session."""

from __future__ import annotations

from flask import Blueprint, Flask
from flask.typing import ResponseReturnValue
from flask_login import login_required
from flask_wtf.csrf import generate_csrf

from app.web.api_models.session import Me
from app.web.api_operation import Reply, operation
from app.web.auth import current_actor

api_common = Blueprint("api_common", __name__, url_prefix="/api")


def register(app: Flask) -> None:
    app.register_blueprint(api_common)


@api_common.get("/me")
@login_required  # any signed-in account, even one without roles, may see that it has none
@operation("The signed-in user, roles and the CSRF token to send as X-CSRFToken", any_account=True,
           replies={200: Reply("who you are", Me)})
def me() -> ResponseReturnValue:
    """Who is signed in, their roles, and the CSRF token a script sends back as X-CSRFToken."""
    actor = current_actor()
    return {"username": actor.name, "roles": sorted(actor.roles), "csrf_token": generate_csrf()}
