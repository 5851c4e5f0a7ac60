"""One endpoint of the JSON API as its models describe it, and the decorator that makes the
models do the reading.

``@operation(...)`` goes under the route and role decorators (the CSRF and role checks come
first); it validates the query string (``query=``) and the JSON body (``body=``) with their
models and hands the view the validated models as the keyword arguments ``query`` and ``body``.
``app.web.openapi`` writes the document from the same ``Operation``; the test suite checks every
answer against its ``Reply`` (``app.web.api_answers``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import wraps
from typing import Any, Literal, TypeVar

from flask import request
from pydantic import BaseModel, ValidationError

from app.runtime.errors import RuntimeActionError
from app.web.api_models.base import Body, Query
from app.web.api_refusals import body_refused, query_refused

F = TypeVar("F", bound=Callable[..., Any])
M = TypeVar("M", bound=BaseModel)
B = TypeVar("B", bound=Body)
ATTRIBUTE = "api_operations"  # on a view: {method or None (any): Operation}
NOT_JSON = "send a JSON object with Content-Type: application/json"
NOT_AN_OBJECT = "the body is not a JSON object (malformed JSON, or a list/string/number)"
REFUSALS = {400: "malformed request, a field that cannot be taken, or a missing CSRF token",
            401: "not signed in / bad token", 403: "lacks the role", 404: "unknown id",
            409: "conflicts with the current state", 413: "the body is larger than the app takes",
            422: "form data invalid (errors per field)"}
# reads="model": the body model validates; "object": the view gets the JSON object and picks its
# model (a task's form); "view": the view reads the body itself (the machine callbacks, per item).
Reads = Literal["model", "object", "view"]


@dataclass(frozen=True)
class Reply:
    """One documented answer: its description and its body's model (None: no body), and other
    media types it may come as (media type → JSON schema)."""

    description: str
    model: Any = None
    media_type: str = "application/json"
    also: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Operation:
    """One endpoint as the document describes it: what it reads, with which models, and what it
    answers; the 4xx its security implies are added (``all_refusals``)."""

    summary: str
    replies: Mapping[int, Reply]
    description: str = ""
    body: Any = None  # a model (a ``Body``; a union or list for the callbacks and task forms)
    body_required: bool = True
    reads: Reads = "model"
    form: Any = None  # a form-encoded body's model (sign-in)
    query: type[Query] | None = None
    refusals: Mapping[int, str] = field(default_factory=dict)  # besides those of the security
    # "session": signed-in people (cookie and CSRF token); "sign-in": the cookie and token before
    # signing in; a bearer scheme's name (the machines); None: public
    security: str | None = "session"
    any_account: bool = False  # open to a signed-in account without roles (no 403)

    def all_refusals(self, method: str) -> dict[int, str]:
        """Every 4xx/5xx this operation may answer, with what it means."""
        found: dict[int, str] = {}
        if self.security == "session":
            if method in ("post", "put") or self.query is not None:
                found[400] = REFUSALS[400]
            found[401] = REFUSALS[401]
            if not self.any_account:
                found[403] = REFUSALS[403]
        elif self.query is not None or self.body is not None:
            found[400] = REFUSALS[400]
        if method in ("post", "put"):
            found[413] = REFUSALS[413]
        return {**found, **self.refusals}


def operation(summary: str, *, replies: Mapping[int, Reply], refuses: tuple[int, ...] = (),
              **described: Any) -> Callable[[F], F]:
    """Describe a view and read its request with its models; ``refuses``: the statuses it may
    answer besides those of its security (described as ``REFUSALS`` says)."""
    described["refusals"] = {**{code: REFUSALS[code] for code in refuses}, **described.get("refusals", {})}
    endpoint = Operation(summary, replies, **described)

    def decorate(view: F) -> F:
        @wraps(view)
        def read(*args: Any, **kwargs: Any) -> Any:
            if endpoint.query is not None:
                kwargs["query"] = read_query(endpoint.query)
            if endpoint.body is not None and endpoint.reads != "view":
                body = json_object(required=endpoint.body_required)
                kwargs["body"] = read_body(endpoint.body, body) if endpoint.reads == "model" else body
            return view(*args, **kwargs)

        setattr(read, ATTRIBUTE, {None: endpoint})
        return read  # type: ignore[return-value]

    return decorate


def documented(**by_method: Operation) -> Callable[[F], F]:
    """Describe a view that reads its own request (sign-in): an ``Operation`` per method."""
    def decorate(view: F) -> F:
        setattr(view, ATTRIBUTE, dict(by_method))
        return view

    return decorate


def operation_of(view: Callable[..., Any], method: str) -> Operation | None:
    """The operation a view (or the view it wraps) describes for ``method``."""
    operations = getattr(view, ATTRIBUTE, None) or {}
    found = operations.get(method.lower()) or operations.get(None)
    return found if isinstance(found, Operation) else None


def json_object(*, required: bool = True) -> dict[str, Any]:
    """The request's JSON object (``{}`` when an optional body is not sent), or a 400 saying what
    is wrong with it."""
    if not required and not request.get_data(cache=True):
        return {}
    if not request.is_json:
        raise RuntimeActionError(NOT_JSON)
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise RuntimeActionError(NOT_AN_OBJECT)
    return body


def read_body(model: type[B], body: dict[str, Any]) -> B:
    """``body`` as ``model`` takes it, or its refusal, field by field."""
    try:
        return model.model_validate(body)
    except ValidationError as exc:
        raise body_refused(model, exc) from None


def read_query(model: type[M]) -> M:
    """The query string as ``model`` takes it, or a 400 naming the first bad argument."""
    try:
        return model.model_validate(request.args.to_dict())
    except ValidationError as exc:
        raise query_refused(model, exc) from None
