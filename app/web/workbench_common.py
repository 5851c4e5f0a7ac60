"""What the workbench's pages and JSON API share: the use cases' context for this app, and their
refusals in the reader's language — JSON ``{"error", "errors"?, "problems"?}`` or the error page."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify, render_template
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from app.runtime.errors import RuntimeActionError
from app.runtime.forms import FormInvalid
from app.web.auth import wants_json
from app.web.current import services
from app.workbench.context import Workbench
from app.workbench.refusals import DraftHasErrors, Refusal, WorkbenchInvalid

ANALYST, SYSADMIN = "analyst", "sysadmin"


def bench() -> Workbench:
    return Workbench.of(services().runtime)


def message_of(exc: RuntimeActionError) -> str:
    """The refusal in the reader's language (the workbench's own refusals are in the catalog)."""
    if isinstance(exc, Refusal):
        return _(exc.template).format(**exc.values)
    return str(exc)


def refusal_body(exc: RuntimeActionError) -> dict[str, Any]:
    body: dict[str, Any] = {"error": message_of(exc)}
    if isinstance(exc, FormInvalid):
        body["errors"] = exc.errors
    if isinstance(exc, WorkbenchInvalid):
        body["errors"] = {exc.field: body["error"]}
    if isinstance(exc, DraftHasErrors):
        body["problems"] = exc.problems
    return body


def answer_refusals(blueprint: Blueprint) -> None:
    """The blueprint's refusals, translated; a draft's problems travel with its 422."""

    @blueprint.errorhandler(RuntimeActionError)
    def refused(exc: RuntimeActionError) -> ResponseReturnValue:
        if wants_json():
            return jsonify(refusal_body(exc)), exc.status_code
        from app.web import ERROR_TITLES  # the app's error page titles (app.web imports this module)

        title = _(ERROR_TITLES[exc.status_code]) if exc.status_code in ERROR_TITLES else _("Something went wrong")
        return render_template("error.html", status=exc.status_code, title=title, message=message_of(exc)), \
            exc.status_code
