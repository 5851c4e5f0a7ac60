"""The gettext catalogs (``app/translations``, Flask-Babel): every English text the sources mark
has its Chinese and the catalog holds nothing else — checked by extracting with Babel from the
sources, so a template gaining an untranslated ``_()`` fails; the ``.pot`` and the compiled ``.mo``
are the sources' and the ``.po``'s; the language is chosen as it always was; plurals and the
locale-aware dates and numbers read as before."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime
from pathlib import Path
from string import Formatter

from babel.messages.mofile import read_mo
from flask import Flask
from flask_babel import gettext, ngettext

from app.accounts.roles import ROLES
from app.runtime.engine.lanes import SYSTEM_LANE_ROLE
from app.translations import DIRECTORY, compile_missing
from app.web.formatting import local_time, yuan
from app.web.i18n import ROLE_LABELS, role_label
from tests.web.catalog_support import (
    POT,
    ROOT,
    ZH_PO,
    catalog_problems,
    chinese,
    extracted,
    read_catalog,
    translated,
    translations,
)
from tests.web.conftest import Site

SOURCES = ("app", "handlers", "bpmn")  # what babel.cfg reads


def test_every_marked_text_has_its_chinese_and_the_catalog_nothing_else() -> None:
    problems = catalog_problems()
    assert problems == [], "run `make translations-update`, then translate in " \
                           f"{ZH_PO.relative_to(ROOT)}:\n" + "\n".join(problems)


def test_a_template_gaining_an_untranslated_text_fails_the_check(tmp_path: Path) -> None:
    """The check above, proved on a copy of the sources: as they are, nothing is wrong; one new
    ``_()`` in a template is reported, and so is a catalog entry whose text left the sources."""
    for name in SOURCES:
        shutil.copytree(ROOT / name, tmp_path / name, ignore=shutil.ignore_patterns("__pycache__", "*.mo"))
    assert catalog_problems(tmp_path) == []

    page = tmp_path / "app" / "web" / "templates" / "error.html"
    page.write_text(page.read_text(encoding="utf-8").replace(
        '{{ _("Back") }}', '{{ _("Back") }} {{ _("A text nobody translated") }}'), encoding="utf-8")
    assert catalog_problems(tmp_path) == ["untranslated: 'A text nobody translated' at app/web/templates/error.html:11"]

    page.write_text(page.read_text(encoding="utf-8").replace('{{ _("The error has been logged.") }}', ""),
                    encoding="utf-8")
    assert "unused (no source marks it): 'The error has been logged.'" in catalog_problems(tmp_path)


def test_a_fuzzy_or_empty_translation_does_not_count() -> None:
    catalog = read_catalog()
    inbox, sign_in = catalog["Inbox"], catalog["Sign in"]
    assert inbox is not None and sign_in is not None and translated(inbox) and translated(sign_in)
    inbox.flags.add("fuzzy")
    sign_in.string = ""
    assert not translated(inbox) and not translated(sign_in)


def test_the_template_and_the_compiled_catalog_are_the_sources_and_the_po() -> None:
    template = {message.id for message in read_catalog(POT) if message.id}
    assert template == set(extracted()), "messages.pot is stale: run `make translations-update`"
    compile_missing()  # a checkout before `make`: what the app itself does on start
    with ZH_PO.with_suffix(".mo").open("rb") as mo:
        compiled = translations(read_mo(mo))
    assert compiled == translations(read_catalog()), "messages.mo is older than messages.po: run `make translations`"


def test_every_translation_keeps_the_placeholders_of_its_english() -> None:
    """The pages fill a label in with str.format: a {name} the translation drops or misspells would
    be a 500 (or a blank) on the Chinese page only."""
    def fields(text: str) -> list[str]:
        return sorted(name for _, name, _, _ in Formatter().parse(text) if name is not None)

    differ = []
    for message in read_catalog():
        if message.id:
            english = message.id if isinstance(message.id, str) else message.id[-1]
            forms = [message.string] if isinstance(message.string, str) else message.string
            differ += [(english, form) for form in forms if fields(form) != fields(english)]
    assert differ == []


def test_the_chinese_catalog_has_one_plural_form() -> None:
    catalog = read_catalog()
    assert catalog.plural_forms == "nplurals=1; plural=0;" and catalog.locale is not None
    assert catalog.locale.language == "zh"
    plurals = [m.id for m in catalog if isinstance(m.id, tuple | list)]
    assert len(plurals) >= 10 and ("{n} customer found", "{n} customers found") in [tuple(p) for p in plurals]


def test_a_missing_compiled_catalog_is_compiled_on_start_and_an_existing_one_left_alone(tmp_path: Path) -> None:
    copy = tmp_path / "translations"
    shutil.copytree(DIRECTORY, copy, ignore=shutil.ignore_patterns("__pycache__", "*.mo"))
    mo = copy / "zh" / "LC_MESSAGES" / "messages.mo"
    assert compile_missing(copy) == [mo] and mo.exists()
    with mo.open("rb") as compiled:
        assert read_mo(compiled).get("Inbox").string == "待办"  # type: ignore[union-attr]
    assert compile_missing(copy) == []
    assert [p.name for p in mo.parent.iterdir()] in (["messages.po", "messages.mo"], ["messages.mo", "messages.po"])


def test_the_language_is_the_one_asked_for_else_the_browsers_else_chinese_for_pages(site: Site) -> None:
    nobody = site.anonymous()
    assert "登录".encode() in nobody.get("/login").data  # nothing asked: Chinese
    english = site.anonymous().get("/login", headers={"Accept-Language": "en-US,en;q=0.9"})
    assert b"Sign in" in english.data and b'<html lang="en">' in english.data
    chosen = site.anonymous()
    assert "登录".encode() in chosen.get("/login?lang=zh", headers={"Accept-Language": "en"}).data
    assert "登录".encode() in chosen.get("/login", headers={"Accept-Language": "en"}).data  # the cookie wins
    assert chosen.client.get_cookie("lang").value == "zh"  # type: ignore[union-attr]
    unknown = site.anonymous()
    assert "登录".encode() in unknown.get("/login?lang=fr").data and unknown.client.get_cookie("lang") is None


def test_the_api_answers_in_english_unless_asked_otherwise(site: Site) -> None:
    refused = site.person("erin", "executor").get("/api/reports", headers={"Accept-Language": "fr"})
    assert (refused.status_code, refused.json) == (403, {"error": "This needs the role: Auditor / Sysadmin"})
    asked = site.person("eve", "executor").get("/api/reports?lang=zh")
    assert asked.json == {"error": "需要以下角色之一：审计员 / 系统管理员"}


def test_every_role_has_a_label_that_reads_as_it_always_did() -> None:
    assert set(ROLE_LABELS) == {*ROLES, SYSTEM_LANE_ROLE}  # a lane of the machine's own steps has a role too
    assert [role_label(role) for role in ROLES] == [role.capitalize() for role in ROLES]  # English: the word
    assert role_label("inspector") == "Inspector"
    zh = ["申请人", "审批人", "执行人", "系统管理员", "业务分析员", "审计员"]  # as the old role.* keys read
    assert [chinese()[ROLE_LABELS[role]] for role in ROLES] == zh


def test_plurals_read_in_both_languages(site: Site) -> None:
    app: Flask = site.app
    with app.test_request_context("/customers?lang=en"):
        assert [ngettext("{n} customer found", "{n} customers found", n).format(n=n) for n in (0, 1, 2)] == \
            ["0 customers found", "1 customer found", "2 customers found"]
    with app.test_request_context("/customers?lang=zh"):
        assert {ngettext("{n} customer found", "{n} customers found", n).format(n=n) for n in (1, 2)} == \
            {"共找到 1 户", "共找到 2 户"}
        assert gettext("Inbox") == "待办"


def test_times_and_money_read_alike_in_both_languages(site: Site) -> None:
    moment = datetime(2026, 3, 1, 17, 5, tzinfo=UTC)
    for language in ("zh", "en"):
        with site.app.test_request_context(f"/?lang={language}"):
            assert (local_time(moment), yuan(123_456_789)) == ("2026-03-02 01:05", "1,234,567.89")
