"""Every answer an endpoint gives is one its operation documents: its status among the
documented ones and its JSON body valid for that status's model. On in the test suite
(``CHECK_API_ANSWERS``), so each test that calls the API also checks the document; a 5xx is a
fault, not an answer, and is left to the tests that look for it."""

from __future__ import annotations

from flask import Flask, Response, request
from pydantic import TypeAdapter, ValidationError

from app.web.api_models.base import Error
from app.web.api_operation import Reply, operation_of


class UndocumentedAnswer(AssertionError):
    """An endpoint answered what its operation does not describe."""


def register(app: Flask) -> None:
    if not app.config.get("CHECK_API_ANSWERS"):
        return

    @app.after_request
    def check(response: Response) -> Response:
        view = app.view_functions.get(request.endpoint or "")
        described = operation_of(view, request.method) if view is not None else None
        if described is not None and response.status_code < 500:
            replies = {**{code: Reply(text, Error) for code, text in
                          described.all_refusals(request.method.lower()).items()}, **described.replies}
            reply = replies.get(response.status_code)
            where = f"{request.method} {request.path} answered {response.status_code}"
            if reply is None:
                raise UndocumentedAnswer(f"{where}, which its operation does not document")
            _check_body(reply, response, where)
        return response


def _check_body(reply: Reply, response: Response, where: str) -> None:
    if response.mimetype in reply.also:
        return
    if reply.model is None:
        if response.mimetype == "application/json" and response.get_data():
            raise UndocumentedAnswer(f"{where} with a JSON body its operation does not document")
        return
    if response.mimetype != reply.media_type:
        raise UndocumentedAnswer(f"{where} as {response.mimetype}, not {reply.media_type}")
    try:
        TypeAdapter(reply.model).validate_json(response.get_data())
    except ValidationError as exc:
        raise UndocumentedAnswer(f"{where} with a body its model ({reply.model.__name__}) does not take: "
                                 f"{exc}") from None
