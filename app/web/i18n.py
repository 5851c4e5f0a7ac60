"""The pages' language, through Flask-Babel and the gettext catalogs of ``app.translations``.
Templates and views write English (``_("Inbox")``, ``ngettext(...)``); the Chinese is in
``app/translations/zh/LC_MESSAGES/messages.po``. The language is the ``lang`` cookie (set by
``?lang=zh`` / ``?lang=en``), else the browser's Accept-Language, else Chinese (English on ``/api/``).
The customer-facing SMS texts are not here: they are Chinese always (``handlers.sms``)."""

from __future__ import annotations

from flask import Flask, Response, has_request_context, request
from flask_babel import Babel, get_locale, gettext, ngettext, refresh

from app.rules.beijing import ZONE_NAME
from app.translations import DIRECTORY, DOMAIN, N_, compile_missing, use_translator
from app.translations.bpmn_names import translated_labels

LANGUAGES = ("zh", "en")
COOKIE = "lang"
TIMEZONE = ZONE_NAME  # the pages' times are Beijing time (app.rules.beijing)
# The roles' names as people read them (English: the role's id as a word, as it always read)
ROLE_LABELS = {"applicant": N_("Applicant"), "approver": N_("Approver"), "executor": N_("Executor"),
               "sysadmin": N_("Sysadmin"), "analyst": N_("Analyst"), "auditor": N_("Auditor"),
               "system": N_("System (the machine's own steps)")}


def select_language() -> str:
    """Flask-Babel's locale selector: what the person asked for, else what the browser prefers,
    else Chinese for people and English for scripts (``/api/``); English outside a request."""
    if not has_request_context():
        return "en"
    asked = request.args.get("lang") or request.cookies.get(COOKIE)
    if asked in LANGUAGES:
        return asked
    default = "en" if request.path.startswith("/api/") else "zh"  # scripts read English; operators Chinese
    return request.accept_languages.best_match(LANGUAGES) or default


def current_language() -> str:
    """``zh`` or ``en``: the page's ``<html lang>`` and the language switch."""
    locale = get_locale()
    return locale.language if locale is not None else "en"


def role_label(role: str) -> str:
    """A role's name in the reader's language; a role this app does not know, as a word."""
    return gettext(ROLE_LABELS.get(role) or role.capitalize())


def lane_label(name: str | None, role: str | None) -> str:
    """What a task's lane is called: its name in the diagram (审批人), else its role's name."""
    return name or (role_label(role) if role else "")


def diagram_labels(xml: str, labels: str) -> str:
    """A diagram as a viewer asked for it (``DiagramLabels``): as deployed, or with its drawn names
    in the reader's language from the catalog."""
    return translated_labels(xml, gettext) if labels == "translated" else xml


def register(app: Flask) -> None:
    compile_missing()  # a checkout before `make`: its catalogs are compiled now, once
    app.config.setdefault("BABEL_DEFAULT_TIMEZONE", TIMEZONE)
    # configure_jinja=False: the templates' _() is Flask-Babel's gettext returning plain text, as
    # before — the page escapes a label and what .format() puts in it alike (Jinja's "newstyle"
    # gettext would return markup and %-format it).
    Babel(app, locale_selector=select_language, default_translation_directories=str(DIRECTORY),
          default_domain=DOMAIN, configure_jinja=False)

    use_translator(gettext)  # a runtime's or a validator's message (app.translations.Text) reads in the page's language

    @app.before_request
    def choose_language() -> None:
        refresh()  # chosen afresh per request, even where a test or a command keeps one app context open

    @app.after_request
    def remember_language(response: Response) -> Response:
        asked = request.args.get("lang")
        if asked in LANGUAGES:
            response.set_cookie(COOKIE, asked, max_age=365 * 86400, samesite="Lax")
        return response

    app.jinja_env.globals.update(_=gettext, gettext=gettext, ngettext=ngettext, current_language=current_language,
                                 role_label=role_label, lane_label=lane_label)
