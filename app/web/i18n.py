"""Chinese and English labels. Templates and views write English (``_("Inbox")``); the Chinese
comes from the per-feature catalogs in ``app.web.labels``. The language is the ``lang`` cookie
(set by ``?lang=zh`` / ``?lang=en``), else the browser's Accept-Language, else Chinese
(English on ``/api/``).
The customer-facing SMS texts are not here: they are Chinese always (``handlers.sms``)."""

from __future__ import annotations

from flask import Flask, Response, g, has_request_context, request

from app.web.labels import ZH

LANGUAGES = ("zh", "en")
COOKIE = "lang"


def gettext(message: str) -> str:
    if _language() == "zh":
        return ZH.get(message, _english(message))
    return _english(message)


def _english(message: str) -> str:
    """Keys like ``role.approver`` read as words in English; plain English keys are themselves."""
    if message.startswith("role."):
        return message.removeprefix("role.").capitalize()
    return message


def _language() -> str:
    return str(getattr(g, "lang", "zh")) if has_request_context() else "en"


def register(app: Flask) -> None:
    @app.before_request
    def choose_language() -> None:
        asked = request.args.get("lang") or request.cookies.get(COOKIE)
        default = "en" if request.path.startswith("/api/") else "zh"  # scripts read English; operators Chinese
        g.lang = asked if asked in LANGUAGES else (request.accept_languages.best_match(LANGUAGES) or default)

    @app.after_request
    def remember_language(response: Response) -> Response:
        asked = request.args.get("lang")
        if asked in LANGUAGES:
            response.set_cookie(COOKIE, asked, max_age=365 * 86400, samesite="Lax")
        return response

    app.jinja_env.globals["_"] = gettext
    app.jinja_env.globals["current_language"] = _language
