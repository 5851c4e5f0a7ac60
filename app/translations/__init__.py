"""The gettext catalogs of the pages. English is the source language (the msgids are the English
the sources write); ``zh/LC_MESSAGES/messages.po`` is the one translation, kept in git.
``messages.pot`` is extracted from the sources as ``babel.cfg`` says (``make translations-update``).

The compiled ``messages.mo`` beside each ``.po`` is build output, never in git: ``make`` compiles
it for ``make run`` and ``make test``, the wheel's build compiles it into the wheel (``setup.py``),
and ``compile_missing`` compiles it when the app starts from a checkout that has none yet.
This folder is Flask-Babel's default one (``translations`` beside the Flask app's package, ``app``).
"""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

DIRECTORY = Path(__file__).resolve().parent
DOMAIN = "messages"


def N_(message: str) -> str:
    """Marks English written outside a ``_()`` call for the catalog (pybabel extracts ``N_``) and
    returns it as it is: whoever shows it translates it then (``_(label)``), in the reader's
    language — a module-level label cannot be translated when the module is imported."""
    return message


class Text(str):
    """A message written below the web layer (a validator's refusal, the runtime's "task … is not
    open"), kept with its English template and fields: it reads in the reader's language wherever
    it is shown — ``str()``, ``format()`` and a template's ``{{ }}`` translate the template (the
    translator ``app.web.i18n`` installs) and fill the fields in. As a ``str`` its value is the
    English, for logs, tests and the JSON API's English answers.

    ``Text(N_("no such customer: {numbers}"), numbers="3400000011")`` — the ``N_`` puts the
    template in the catalog. A field may be a list (of texts): it reads as its items joined by "; "."""

    template: str
    fields: dict[str, Any]

    def __new__(cls, template: str, **fields: Any) -> Text:
        text = super().__new__(cls, template.format(**{k: _field(v, _english) for k, v in fields.items()}))
        text.template, text.fields = template, fields
        return text

    def __str__(self) -> str:
        return _translator(self.template).format(**{k: _field(v, str) for k, v in self.fields.items()})

    def __format__(self, spec: str) -> str:
        return format(str(self), spec)

    def __html__(self) -> str:
        from markupsafe import escape  # Jinja's own escaping, for {{ text }} in a template
        return str(escape(str(self)))

    def __reduce__(self) -> tuple[Any, ...]:
        return _text, (self.template, self.fields)


def joined(items: Iterable[Any], separator: str = " / ") -> Text:
    """Texts (or words) as one ``Text``, each item read in the reader's language when shown."""
    fields = {f"item{i}": item for i, item in enumerate(items)}
    return Text(separator.join(f"{{{name}}}" for name in fields), **fields)


def reread(stored: str, templates: Iterable[str]) -> str:
    """A message stored as English (in a task's data, before it was shown) read again as the
    ``Text`` of the first template it was written from, so it shows in the reader's language;
    one that none of them wrote stays as it is."""
    for template in templates:
        found = re.fullmatch(_pattern(template), stored, re.DOTALL)
        if found:
            return Text(template, **found.groupdict())
    return stored


def _pattern(template: str) -> str:
    parts = re.split(r"\{(\w+)\}", template)  # literal, field, literal, field, ..., literal
    return "".join(re.escape(part) if i % 2 == 0 else f"(?P<{part}>.+?)" for i, part in enumerate(parts))


def _text(template: str, fields: dict[str, Any]) -> Text:
    return Text(template, **fields)


def _field(value: Any, read: Callable[[Any], str]) -> str:
    return "; ".join(read(item) for item in value) if isinstance(value, list | tuple) else read(value)


def _english(value: Any) -> str:
    return str.__str__(value) if isinstance(value, Text) else str(value)


def _untranslated(message: str) -> str:
    return message


_translator: Callable[[str], str] = _untranslated


def use_translator(translate: Callable[[str], str]) -> None:
    """How ``Text`` reads: the web layer's gettext (in the request's language, English outside one)."""
    global _translator
    _translator = translate


def catalogs(directory: Path = DIRECTORY) -> list[Path]:
    """Every translation's ``.po``, one per locale."""
    return sorted(directory.glob(f"*/LC_MESSAGES/{DOMAIN}.po"))


def compile_catalog(po: Path) -> Path:
    """Compile one ``.po`` to the ``.mo`` beside it (fuzzy entries left out, as ``pybabel compile``
    does), written whole or not at all: a second process starting at the same time reads either
    no file or a complete one."""
    with po.open("rb") as source:
        catalog = read_po(source, locale=po.parent.parent.name, domain=DOMAIN)
    mo = po.with_suffix(".mo")
    handle, temporary = tempfile.mkstemp(dir=mo.parent, prefix=".messages-", suffix=".mo")
    try:
        with os.fdopen(handle, "wb") as out:
            write_mo(out, catalog)
        os.replace(temporary, mo)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return mo


def compile_missing(directory: Path = DIRECTORY) -> list[Path]:
    """Compile the catalogs that have no ``.mo`` yet (a checkout where ``make`` has not run);
    returns the ``.mo`` written. An existing ``.mo`` is left alone, even an older one: a wheel's
    install does not keep the files' times, and ``make`` recompiles a changed ``.po``."""
    return [compile_catalog(po) for po in catalogs(directory) if not po.with_suffix(".mo").exists()]
