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

from app.runtime.canonical import json_safe
from app.runtime.errors import RuntimeActionError
from app.runtime.forms import FormInvalid
from app.web.api_common import MAX_PAGE_SIZE, int_arg, json_body
from app.web.formatting import local_time, yuan
from app.web.i18n import gettext as _
from app.web.labels.customers import VALUE_LABELS
from app.web.query_args import text_arg, url_with_args
from storage.customer_search import SORTS, CustomerFilter
from storage.domain_models import NOTICE_TYPES
from storage.statuses import PowerStatus

bp = Blueprint("customers", __name__)
PAGE_SIZE = 50
POWER_STATUSES = tuple(PowerStatus)


def register(app: Flask) -> None:
    # The view modules attach their routes to ``bp`` when imported; import them before registering.
    from app.web import customer_pages, screening_pages, segment_pages, subscription_pages  # noqa: F401

    app.register_blueprint(bp)


def api_json(data: Any, status: int = 200) -> ResponseReturnValue:
    """``data`` as JSON with times as ISO-8601 text."""
    return jsonify(json_safe(data)), status


# --- query arguments: anything unexpected is a 400 that names the argument ----------------------

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


@bp.context_processor
def template_helpers() -> dict[str, Any]:
    return {"value_label": value_label, "local_time": local_time, "yuan": yuan, "current_args": current_args,
            "url_with_args": url_with_args, "NOTICE_TYPES": NOTICE_TYPES, "POWER_STATUSES": POWER_STATUSES}


def mobile_refusal() -> str:
    """What a person is told about a mobile number ``app.rules.sms`` does not accept."""
    return _("Not a mainland China mobile number: 11 digits starting 13–19 (+86, spaces and dashes allowed).")


# --- JSON bodies: every field named, an absent one a 422 (never taken as empty) -----------------

_ABSENT: Any = object()


def json_fields(*required: str, optional: tuple[str, ...] = ()) -> dict[str, Any]:
    """The request's JSON object (400 if malformed) holding every ``required`` field and no field
    but those and the ``optional`` ones: a field left out or misspelt is a 422 naming each, never
    taken as empty (``null`` is how a client clears a field)."""
    body = json_body()
    takes = (*required, *optional)
    unknown = [key for key in body if key not in takes]
    errors = {key[:64]: _("unknown field; this takes {fields}").format(fields=", ".join(takes)) for key in unknown[:10]}
    errors |= {name: _("is required") for name in required if name not in body}
    if errors:
        raise FormInvalid(errors)
    return body


def _given(body: dict[str, Any], name: str, default: Any) -> Any:
    if name in body:
        return body[name]
    if default is _ABSENT:
        raise FormInvalid({name: _("is required")})
    return default


def body_bool(body: dict[str, Any], name: str, *, default: bool = _ABSENT) -> bool:
    """A true/false field; absent: ``default``, or a 422 without one."""
    value = _given(body, name, default)
    if not isinstance(value, bool):
        raise FormInvalid({name: _("must be true or false")})
    return value


def body_text(body: dict[str, Any], name: str, *, max_length: int = 500, nonempty: bool = False,
              default: str = _ABSENT) -> str:
    """A text field, trimmed; null is "" (it clears what the field holds) unless ``nonempty``.
    Absent: ``default``, or a 422 without one — a field left out never clears anything."""
    value = _given(body, name, default)
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise FormInvalid({name: _("must be text")})
    value = value.strip()
    if nonempty and not value:
        raise FormInvalid({name: _("is required")})
    if len(value) > max_length:
        raise FormInvalid({name: _("is too long (at most {n} characters)").format(n=max_length)})
    return value
