"""The customer-archive screens (M1–M3) and their JSON API: one blueprint, ``customers``.

The views live in ``customer_pages`` (search, customer page, flag and mobile of one customer),
``screening_pages`` (M1.1 screening, bulk flag M1.2), ``subscription_pages`` (M2.1) and
``segment_pages`` (M3); this module holds the blueprint and what they share. Views parse, call
``app.archive.maintenance`` / the read models once, and render; the rules and role checks are in
``app.archive.maintenance``.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Flask, jsonify, request
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from app.runtime.canonical import json_safe
from app.web.formatting import local_time, yuan
from app.web.inbox_rows import task_label
from app.web.query_args import url_with_args
from storage.domain_models import NOTICE_TYPES
from storage.statuses import PowerStatus

bp = Blueprint("customers", __name__)
POWER_STATUSES = tuple(PowerStatus)


def register(app: Flask) -> None:
    # The view modules attach their routes to ``bp`` when imported; import them before registering.
    from app.web import (  # noqa: F401
        customer_pages,
        protection_pages,
        screening_pages,
        segment_pages,
        subscription_pages,
    )

    app.register_blueprint(bp)


def api_json(data: Any, status: int = 200) -> ResponseReturnValue:
    """``data`` as JSON with times as ISO-8601 text."""
    return jsonify(json_safe(data)), status


# --- what the templates share -------------------------------------------------------------------

def current_args(**changes: Any) -> dict[str, Any]:
    """The page's query arguments with ``changes`` (None drops one): for pager and sort links."""
    args = {key: value for key, value in request.args.items() if value}
    for key, value in changes.items():
        if value is None:
            args.pop(key, None)
        else:
            args[key] = value
    return args


# --- what the templates share -------------------------------------------------------------------

@bp.context_processor
def template_helpers() -> dict[str, Any]:
    return {"local_time": local_time, "yuan": yuan, "current_args": current_args, "task_label": task_label,
            "url_with_args": url_with_args, "NOTICE_TYPES": NOTICE_TYPES, "POWER_STATUSES": POWER_STATUSES}


def mobile_refusal() -> str:
    """What a person is told about a mobile number ``app.rules.sms`` does not accept."""
    return _("Not a mainland China mobile number: 11 digits starting 13–19 (+86, spaces and dashes allowed).")
