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
import tempfile
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

DIRECTORY = Path(__file__).resolve().parent
DOMAIN = "messages"


def N_(message: str) -> str:
    """Marks English written outside a ``_()`` call for the catalog (pybabel extracts ``N_``) and
    returns it as it is: whoever shows it translates it then (``_(label)``), in the reader's
    language — a module-level label cannot be translated when the module is imported."""
    return message


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
