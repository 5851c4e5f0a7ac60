"""Sign-in (Flask-Login sessions over the runtime's users and roles) and the role checks every
page and JSON endpoint makes.

A session stores only the username; each request reloads the user's roles, so a role taken
away (or an account deactivated) takes effect on the next click, not at the next sign-in.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any, TypeVar
from urllib.parse import urlsplit

from flask import Blueprint, Flask, current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import LoginManager, current_user, login_required, login_user, logout_user

from app.accounts.roles import ROLES
from app.accounts.users import actor_for, authenticate, record_sign_out
from app.runtime.actors import Actor
from app.runtime.errors import Forbidden, RuntimeActionError
from app.web.api_models.base import Error
from app.web.api_models.session import SignedIn, SignInForm
from app.web.api_operation import Operation, Reply, documented
from app.web.i18n import role_label
from app.web.sign_in_limits import SignInLimits

auth = Blueprint("auth", __name__)
login_manager = LoginManager()
F = TypeVar("F", bound=Callable[..., Any])


class TooManyRequests(RuntimeActionError):
    status_code = 429


@dataclass(frozen=True)
class WebUser:
    """Flask-Login's view of a signed-in user: the actor the runtime sees, nothing more."""

    actor: Actor
    is_authenticated: bool = True
    is_active: bool = True
    is_anonymous: bool = False

    def get_id(self) -> str:
        return self.actor.name


def register(app: Flask) -> None:
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = ""
    app.register_blueprint(auth)


@login_manager.user_loader
def load_user(username: str) -> WebUser | None:
    with current_app.extensions["relayflow"].db.reading() as session:
        actor = actor_for(session, username)
    return WebUser(actor) if actor is not None else None


@login_manager.unauthorized_handler
def unauthorized() -> ResponseReturnValue:
    if wants_json():
        return {"error": "sign in first (POST /login, then send the session cookie and an X-CSRFToken header)"}, 401
    return redirect(url_for("auth.login", next=request.full_path))


def wants_json() -> bool:
    return request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json"


def current_actor() -> Actor:
    """The signed-in person as the runtime's actor (only inside a view that requires sign-in)."""
    return current_user.actor  # type: ignore[no-any-return]


def has_any_role(*roles: str) -> bool:
    return bool(current_user.is_authenticated and current_actor().roles & set(roles))


def requires(*roles: str) -> Callable[[F], F]:
    """A view for signed-in users holding one of ``roles`` (none given: any role at all — an
    account without roles sees nothing). Anyone else gets a 403 page (or a JSON 403 on the API)
    naming the roles it needs."""
    needed = roles or ROLES

    def decorate(view: F) -> F:
        @wraps(view)
        def checked(*args: Any, **kwargs: Any) -> Any:
            if not has_any_role(*needed):
                raise Forbidden(_("This needs the role: {roles}").format(
                    roles=" / ".join(role_label(role) for role in needed)))
            return view(*args, **kwargs)

        return login_required(checked)  # type: ignore[return-value]

    return decorate


HTML = {"text/html": {"type": "string"}}
SIGN_IN_PAGE = Operation(
    "The sign-in form: sets the session cookie and carries that session's CSRF token", security=None,
    description="A script reads the token from the form's hidden field `<input name=\"csrf_token\" value=\"…\">` "
                "(the page's `<meta name=\"csrf-token\" content=\"…\">` holds the same), keeps the `session` "
                "cookie, and sends both with POST /login.",
    replies={200: Reply("the sign-in page (HTML)", also=HTML)})
SIGN_IN = Operation(
    "Sign in; sets a new session cookie", security="sign-in", form=SignInForm,
    description="Form fields username, password and csrf_token (the token of GET /login, or send it as the "
                "X-CSRFToken header), with the session cookie GET /login set. Send `Accept: application/json` for "
                "a JSON answer instead of a redirect. Then GET /api/me gives the token for every later POST.",
    replies={200: Reply("signed in (with Accept: application/json)", SignedIn),
             302: Reply("signed in (a browser's form post): on to the page asked for"),
             400: Reply("the CSRF token is missing or is not this session's: GET /login first and send its token "
                        "with the cookie it set", Error, also=HTML),
             401: Reply("unknown username or wrong password (JSON with Accept: application/json, else the sign-in "
                        "page again)", Error, also=HTML),
             429: Reply("too many failed sign-ins for this username from this address: wait", Error, also=HTML)})


@auth.route("/login", methods=["GET", "POST"])
@documented(get=SIGN_IN_PAGE, post=SIGN_IN)
def login() -> ResponseReturnValue:
    if request.method == "GET":
        return render_template("login.html", next=request.args.get("next", ""))
    username, password = request.form.get("username", "")[:64], request.form.get("password", "")
    services = current_app.extensions["relayflow"]
    address, now = request.remote_addr or "", services.clock.now()
    sign_in_limits = SignInLimits(services.db)
    wait = sign_in_limits.wait_needed(username, address, now)
    if wait is not None:
        minutes = max(1, round(wait.total_seconds() / 60))
        raise TooManyRequests(_("Too many failed sign-ins: try again in {minutes} min.").format(minutes=minutes))
    with services.db.transaction() as session:
        actor = authenticate(session, services.clock, username, password)
    if actor is None:
        sign_in_limits.failed(username, address, now)
        if wants_json():
            return {"error": "unknown username or wrong password"}, 401
        flash(_("Unknown username or wrong password."), "error")
        return render_template("login.html", next=request.form.get("next", ""), username=username), 401
    sign_in_limits.succeeded(username, address)
    login_user(WebUser(actor))
    if wants_json():
        return {"username": actor.name, "roles": sorted(actor.roles)}
    return redirect(safe_next(request.form.get("next", "")) or url_for("home"))


@auth.post("/logout")
@login_required
def logout() -> ResponseReturnValue:
    services = current_app.extensions["relayflow"]
    with services.db.transaction() as session:
        record_sign_out(session, services.clock, current_user.get_id())
    logout_user()
    return redirect(url_for("auth.login"))


def safe_next(target: str) -> str | None:
    """Only a path on this site: never send someone to another host after sign-in."""
    parts = urlsplit(target)
    if not target.startswith("/") or target.startswith("//") or parts.scheme or parts.netloc:
        return None
    return target
