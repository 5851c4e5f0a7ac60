"""The customer-archive screens (M1–M3) and their JSON API: one blueprint, ``customers``.

The views live in ``customer_pages`` (search, customer page, flag and mobile of one customer),
``screening_pages`` (M1.1 screening, bulk flag M1.2), ``subscription_pages`` (M2.1) and
``segment_pages`` (M3); this module holds the blueprint and what they share. Views parse, call
``app.archive`` / the read models once, and render; the rules and role checks are in ``app.archive``.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from flask import Blueprint, Flask, current_app, jsonify, request
from flask.typing import ResponseReturnValue

from app.runtime.canonical import json_safe
from app.runtime.errors import RuntimeActionError
from app.runtime.forms import FormInvalid
from app.services import Services
from app.web.api_common import MAX_PAGE_SIZE, int_arg
from app.web.i18n import gettext as _
from app.web.labels.customers import VALUE_LABELS
from handlers.sms import BEIJING
from storage.customer_search import SORTS, CustomerFilter
from storage.domain_models import CONNECTED, DISCONNECTED, NOTICE_TYPES

bp = Blueprint("customers", __name__)
PAGE_SIZE = 50
POWER_STATUSES = (CONNECTED, DISCONNECTED)


def register(app: Flask) -> None:
    # The view modules attach their routes to ``bp`` when imported; import them before registering.
    from app.web import customer_pages, screening_pages, segment_pages, subscription_pages  # noqa: F401

    app.register_blueprint(bp)


def services() -> Services:
    return current_app.extensions["relayflow"]  # type: ignore[no-any-return]


def api_json(data: Any, status: int = 200) -> ResponseReturnValue:
    """``data`` as JSON with times as ISO-8601 text."""
    return jsonify(json_safe(data)), status


# --- query arguments: anything unexpected is a 400 that names the argument ----------------------

def text_arg(name: str, max_length: int = 64) -> str | None:
    value = (request.args.get(name) or "").strip()
    if len(value) > max_length:
        raise RuntimeActionError(f"{name} is too long (at most {max_length} characters)")
    return value or None


def choice_arg(name: str, allowed: tuple[str, ...]) -> str | None:
    value = text_arg(name)
    if value is not None and value not in allowed:
        raise RuntimeActionError(f"{name} must be one of {', '.join(allowed)}, not {value!r}")
    return value


def yes_no_arg(name: str) -> bool | None:
    value = choice_arg(name, ("yes", "no"))
    return None if value is None else value == "yes"


def paging_args() -> tuple[int, int]:
    return int_arg("page", 1, high=1_000_000), int_arg("size", PAGE_SIZE, high=MAX_PAGE_SIZE)


def customer_filter_args() -> CustomerFilter:
    """The customer search filters from the query string (number, name, meter, segment, power,
    arrears yes/no, flag yes/no)."""
    return CustomerFilter(number=text_arg("number"), name=text_arg("name", 200), meter_address=text_arg("meter"),
                          segment=text_arg("segment"), power_status=choice_arg("power", POWER_STATUSES),
                          owing=yes_no_arg("arrears"), auto_reconnect=yes_no_arg("flag"))


def sort_args() -> tuple[str, bool]:
    return choice_arg("sort", tuple(SORTS)) or "number", choice_arg("dir", ("asc", "desc")) == "desc"


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

def value_label(kind: str, value: Any) -> str:
    """The label of a stored value (``value_label("power", "connected")``); unknown values as they are."""
    english = VALUE_LABELS.get(kind, {}).get(str(value))
    return _(english) if english else ("" if value is None else str(value))


def local_time(value: datetime | date | None) -> str:
    """A time as the operators read it: Beijing, to the minute; a date as a date."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.astimezone(BEIJING).strftime("%Y-%m-%d %H:%M")
    return value.isoformat()


def yuan(cents: int | None) -> str:
    return "" if cents is None else f"{Decimal(cents).scaleb(-2):,.2f}"


@bp.context_processor
def template_helpers() -> dict[str, Any]:
    return {"value_label": value_label, "local_time": local_time, "yuan": yuan, "current_args": current_args,
            "NOTICE_TYPES": NOTICE_TYPES, "POWER_STATUSES": POWER_STATUSES}


def mobile_refusal() -> str:
    """What a person is told about a mobile number ``app.rules.sms`` does not accept."""
    return _("Not a mainland China mobile number: 11 digits starting 13–19 (+86, spaces and dashes allowed).")


# --- JSON bodies: a field of the wrong type is a 422 naming the field -----------------------------

def body_bool(body: dict[str, Any], name: str, *, default: bool | None = None) -> bool:
    value = body.get(name, default)
    if not isinstance(value, bool):
        raise FormInvalid({name: _("must be true or false")})
    return value


def body_text(body: dict[str, Any], name: str, *, max_length: int = 500, required: bool = False) -> str:
    value = body.get(name, "")
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise FormInvalid({name: _("must be text")})
    value = value.strip()
    if required and not value:
        raise FormInvalid({name: _("is required")})
    if len(value) > max_length:
        raise FormInvalid({name: _("is too long (at most {n} characters)").format(n=max_length)})
    return value
