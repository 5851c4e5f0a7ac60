"""The web layer: one blueprint per feature, sign-in and CSRF for people, tokens for machines.

Views only parse, call the runtime or a handler once, and render. Every refusal is a clear 4xx:
an HTML page for the browser, ``{"error": ...}`` for the JSON API — never a stack trace.
"""

from __future__ import annotations

from flask import Flask, jsonify, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf.csrf import CSRFError, CSRFProtect
from werkzeug.exceptions import HTTPException

from app.runtime.errors import RuntimeActionError
from app.runtime.forms import FormInvalid
from app.translations import N_
from app.web import (
    api_answers,
    api_common,
    audit_cases,
    auth,
    customers,
    cut_hold_pages,
    draft_pages,
    i18n,
    inbox,
    instances,
    machine_api,
    modeler_page,
    openapi,
    operations,
    reason_code_pages,
    rehearsals,
    reports,
    restoration_clock_pages,
    start_pages,
    task_forms,
    version_pages,
    workbench_catalogue,
    workbench_pages,
)
from app.web.auth import wants_json
from app.web.data_fields import field_label, field_rows, readable_json
from app.web.formatting import deadline, local_time, with_zone
from app.web.navigation import NAV, landing_endpoint
from app.web.value_labels import actor_label, value_label

csrf = CSRFProtect()

ERROR_TITLES = {400: N_("Bad request"), 401: N_("Sign in"), 403: N_("Forbidden"), 404: N_("Not found"),
                409: N_("Conflict"), 429: N_("Too many requests")}


def register_web(app: Flask) -> None:
    i18n.register(app)  # first: the CSRF check's refusal is already in the person's language
    csrf.init_app(app)
    csrf.exempt(machine_api.machine_api)  # token-authenticated: the bearer token is the credential
    auth.register(app)
    machine_api.register(app)
    api_common.register(app)
    openapi.register(app)
    operations.register(app)
    for feature in (inbox, task_forms, draft_pages, start_pages, customers, cut_hold_pages, reason_code_pages,
                    instances, audit_cases, reports, restoration_clock_pages, workbench_pages, workbench_catalogue,
                    modeler_page, version_pages, rehearsals):
        feature.register(app)
    _register_pages(app)
    _register_errors(app)
    api_answers.register(app)
    app.jinja_env.globals.update(value_label=value_label, actor_label=actor_label, field_rows=field_rows,
                                 field_label=field_label, deadline=deadline, with_zone=with_zone,
                                 local_time=local_time)
    app.jinja_env.filters["readable_json"] = readable_json

    @app.context_processor
    def layout() -> dict[str, object]:
        adapters = app.extensions["relayflow"].dispatcher.adapters.values()
        return {
            "simulated_parts": [_(part) for part in (getattr(a, "simulated", None) for a in adapters) if part],
            "has_any_role": auth.has_any_role,
            "nav_items": NAV,
            "current_user": current_user,
            "trip_stop": cut_hold_pages.stop_in_force() if current_user.is_authenticated else None,
        }


def _register_pages(app: Flask) -> None:
    @app.get("/")
    @auth.requires()
    def home() -> ResponseReturnValue:
        return redirect(url_for(landing_endpoint(auth.current_actor().roles)))


def _register_errors(app: Flask) -> None:
    @app.errorhandler(FormInvalid)
    def form_invalid(exc: FormInvalid) -> ResponseReturnValue:
        return _error(exc.status_code, str(exc), errors=exc.errors)

    @app.errorhandler(RuntimeActionError)
    def refused(exc: RuntimeActionError) -> ResponseReturnValue:
        return _error(exc.status_code, str(exc))

    @app.errorhandler(CSRFError)
    def csrf_missing(exc: CSRFError) -> ResponseReturnValue:
        return _error(400, _("The form has expired or was sent without its security token; "
                             "reload the page and try again.") + f" ({exc.description})")

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException) -> ResponseReturnValue:
        return _error(exc.code or 500, exc.description or exc.name)

    @app.errorhandler(Exception)
    def unexpected(exc: Exception) -> ResponseReturnValue:
        app.logger.exception("unhandled error")
        return _error(500, "internal error; it has been logged")


def _error(status: int, message: str, **extra: object) -> ResponseReturnValue:
    if wants_json():
        return jsonify(error=message, **extra), status
    title = _(ERROR_TITLES[status]) if status in ERROR_TITLES else _("Something went wrong")
    return render_template("error.html", status=status, title=title, message=message), status
