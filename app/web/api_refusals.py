"""A request its model refuses, said the way the API always said it: a body as ``{"error",
"errors": {field: message}}`` (400, or the model's own status), a query-string argument as
``{"error"}`` naming it (400)."""

from __future__ import annotations

import typing
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from flask import request
from flask_babel import gettext as _
from flask_babel import ngettext
from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails, PydanticCustomError

from app.runtime.errors import RuntimeActionError
from app.runtime.forms import FormInvalid

if TYPE_CHECKING:
    from app.web.api_models.base import Body

MOST_NAMED = 10  # fields one refusal names
CUSTOM = "refused"  # the error type of a model's own message (``refusal``)


class BodyInvalid(FormInvalid):
    """A JSON body its model refuses: a message per field; 400 unless the model says otherwise."""

    def __init__(self, errors: Mapping[str, str], status_code: int) -> None:
        super().__init__(errors)
        self.status_code = status_code


def refusal(message: str) -> PydanticCustomError:
    """A model's own message for a value (already in the person's language), kept as it is."""
    return PydanticCustomError(CUSTOM, "{message}", {"message": message})


def body_refused(model: type[Body], exc: ValidationError) -> BodyInvalid:
    errors: dict[str, str] = {}
    for error in exc.errors(include_url=False)[:MOST_NAMED]:
        name = str(error["loc"][0]) if error["loc"] else ""
        errors.setdefault(name[:64], _body_message(model, name, error))
    return BodyInvalid(errors, model.refusal_status)


def _body_message(model: type[Body], name: str, error: ErrorDetails) -> str:
    kind, context = error["type"], error.get("ctx") or {}
    if kind == CUSTOM:
        return str(context["message"])
    if kind == "missing":
        return _("is required")
    if kind == "extra_forbidden":
        return _("unknown field; this takes {fields}").format(fields=", ".join(_names(model)))
    if name in model.value_messages:
        return _(model.value_messages[name])
    if kind == "string_too_short":
        return _("is required")
    if kind == "string_too_long":
        return ngettext("is too long (at most {n} character)", "is too long (at most {n} characters)",
                        context["max_length"]).format(n=context["max_length"])
    return {"bool_type": _("must be true or false"), "string_type": _("must be text")}.get(kind, error["msg"])


def query_refused(model: type[BaseModel], exc: ValidationError) -> RuntimeActionError:
    """The first bad argument, named, with what it must be."""
    error = exc.errors(include_url=False)[0]
    name = str(error["loc"][0]) if error["loc"] else _("the query string")
    kind, context, value = error["type"], error.get("ctx") or {}, error.get("input")
    shown = repr(value[:20]) if isinstance(value, str) else repr(value)
    if kind == CUSTOM:
        return RuntimeActionError(str(context["message"]))
    if kind in ("int_parsing", "int_type", "int_from_float"):
        return RuntimeActionError(_("{name} must be a whole number, not {value}").format(name=name, value=shown))
    if kind in ("greater_than_equal", "less_than_equal"):
        low, high = _bounds(model, name)
        return RuntimeActionError(_("{name} must be between {low} and {high}").format(name=name, low=low, high=high)
                                  if high is not None else _("{name} must be ≥ {low}").format(name=name, low=low))
    if kind == "string_too_long":
        return RuntimeActionError(_("{name} is too long (at most {n} characters)").format(
            name=name, n=context["max_length"]))
    if kind == "literal_error":
        if not request.path.startswith("/api/"):  # a page's own links and forms send these: no list of codes
            return RuntimeActionError(_("{name}: {value} is not one of the values this page offers").format(
                name=name, value=shown))
        return RuntimeActionError(_("{name} must be one of {choices}, not {value}").format(
            name=name, choices=", ".join(_choices(model, name)), value=shown))
    return RuntimeActionError(f"{name}: {error['msg']}")  # a kind no model here has: pydantic's own words


def _field(model: type[BaseModel], name: str) -> Any:
    return next(info for field, info in model.model_fields.items() if (info.alias or field) == name)


def _names(model: type[BaseModel]) -> list[str]:
    return [info.alias or field for field, info in model.model_fields.items()]


def _bounds(model: type[BaseModel], name: str) -> tuple[Any, Any]:
    low = high = None
    for constraint in _field(model, name).metadata:
        low = getattr(constraint, "ge", None) if getattr(constraint, "ge", None) is not None else low
        high = getattr(constraint, "le", None) if getattr(constraint, "le", None) is not None else high
    return low, high


def _choices(model: type[BaseModel], name: str) -> list[str]:
    """The values a ``Literal`` argument takes, in the order the model lists them."""
    found: list[str] = []
    todo = [_field(model, name).annotation]
    while todo:
        kind = todo.pop(0)
        if typing.get_origin(kind) is typing.Literal:
            found += [str(value) for value in typing.get_args(kind)]
        else:
            todo += typing.get_args(kind)
    return found
