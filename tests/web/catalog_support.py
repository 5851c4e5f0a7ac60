"""The gettext catalog as the tests read it: the Chinese ``.po`` (``app/translations``) and the
messages Babel extracts from the sources as ``babel.cfg`` says — the same extraction as
``make translations-update``, never a hand-kept list."""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache
from pathlib import Path

from babel.messages.catalog import Catalog, Message
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

from app.translations import DIRECTORY

ROOT = DIRECTORY.parents[1]
ZH_PO = DIRECTORY / "zh" / "LC_MESSAGES" / "messages.po"
POT = DIRECTORY / "messages.pot"
Key = str | tuple[str, ...]  # a msgid, or (singular, plural) of an ngettext


def read_catalog(path: Path = ZH_PO) -> Catalog:
    with path.open("rb") as po:
        return read_po(po)


def translated(message: Message) -> bool:
    """A Chinese translation that counts: every form non-empty and not marked fuzzy."""
    forms = message.string if isinstance(message.string, tuple | list) else (message.string,)
    return not message.fuzzy and all(forms)


@cache
def chinese() -> dict[str, str]:
    """English → Chinese for every translated message of the ``.po`` (an ngettext's under both its
    English forms: Chinese has one)."""
    table: dict[str, str] = {}
    for message in read_catalog():
        if message.id and translated(message):
            forms = message.string if isinstance(message.string, tuple | list) else (message.string,)
            ids = message.id if isinstance(message.id, tuple | list) else (message.id,)
            table |= dict.fromkeys(ids, forms[0])
    return table


def extracted(root: Path = ROOT) -> dict[Key, list[str]]:
    """Each message the sources under ``root`` mark, with where: the English of the catalog."""
    with (DIRECTORY / "babel.cfg").open() as config:
        method_map, options_map = parse_mapping_cfg(config)
    messages: dict[Key, list[str]] = {}
    for filename, lineno, message, _comments, context in extract_from_dir(str(root), method_map, options_map):
        assert context is None, f"{filename}:{lineno}: no message context (pgettext) is used yet"
        key = message if isinstance(message, str) else tuple(message)
        messages.setdefault(key, []).append(f"{filename}:{lineno}")
    return messages


def catalog_problems(root: Path = ROOT, po: Path = ZH_PO) -> list[str]:
    """What is wrong between the sources under ``root`` and the catalog ``po``: a marked text
    without its translation (missing, empty or fuzzy), an entry no source marks (unused), an
    obsolete (``#~``) entry. Empty: the catalog is exactly the sources' texts, all translated."""
    sources, catalog = extracted(root), read_catalog(po)
    entries: dict[Key, Message] = {_key(m.id): m for m in catalog if m.id}
    problems = [f"untranslated: {key!r} at {where[0]}" for key, where in sorted(sources.items(), key=_order)
                if key not in entries or not translated(entries[key])]
    problems += [f"unused (no source marks it): {key!r}" for key in sorted(entries, key=str) if key not in sources]
    problems += [f"obsolete: {key!r}" for key in sorted(map(_key, catalog.obsolete), key=str)]
    return problems


def translations(messages: Iterable[Message]) -> dict[Key, Key]:
    """msgid → msgstr of the translated messages (an ngettext's as tuples): a .po and its .mo compare."""
    return {_key(m.id): _key(m.string) for m in messages if m.id and translated(m)}


def _key(msgid: object) -> Key:
    return msgid if isinstance(msgid, str) else tuple(msgid)  # type: ignore[arg-type]


def _order(item: tuple[Key, list[str]]) -> str:
    return str(item[0])
