"""Process data as people read it: each field by its label (``FIELD_LABELS``, translated), each value
as words — lists joined, yes/no for true/false, times in Beijing time — never as JSON with
``\\uXXXX`` escapes. Where the JSON itself is shown (a details toggle), ``readable_json`` writes
the characters as they are."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any

from flask_babel import gettext as _

from app.translations import Text, reread
from app.web.formatting import local_time
from app.web.task_form_registry import FIELD_LABELS
from app.web.value_labels import value_label
from handlers.disconnection import READER_WARNINGS

MOST_ITEMS = 20  # a long list (a batch's customers) reads as its first items and "…"
# Fields that keep messages in English, and how each message reads in the reader's language
STORED_MESSAGES: dict[str, Callable[[str], str]] = {
    "reader_warnings": lambda message: str(reread(message, READER_WARNINGS)),  # handlers.disconnection's
    "screening_reasons": lambda reason: value_label("reason", reason),  # app.rules.screening's
}


def readable_value(value: Any) -> str:
    """One stored value in words: "—" for none, 是/否 for a flag, items joined, a time in Beijing time."""
    if value is None or value == "" or value == [] or value == {}:
        return "—"
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if isinstance(value, list | tuple):
        shown = [readable_value(item) for item in value[:MOST_ITEMS]]
        return _(", ").join(shown) + ("…" if len(value) > MOST_ITEMS else "")
    if isinstance(value, Mapping):
        return "; ".join(f"{field_label(str(k))}: {readable_value(v)}" for k, v in value.items())
    if isinstance(value, Text):
        return str(value)
    if isinstance(value, str):
        return local_time(value)
    return str(value)


def field_label(name: str) -> str:
    """A data field's label in the reader's language; a field the pages do not name, as it is."""
    label = FIELD_LABELS.get(name)
    return _(label) if label else name


def field_value(name: str, value: Any) -> str:
    """A field's value in words; a field of stored messages, each in the reader's language."""
    read = STORED_MESSAGES.get(name)
    if read and isinstance(value, list):
        return readable_value([read(str(item)) for item in value])
    return readable_value(value)


def with_messages_read(data: Mapping[str, Any]) -> dict[str, Any]:
    """The data (at any depth: a step's result is a field of the process data) with its fields of
    stored messages in the reader's language, for JSON a page shows."""
    return {name: [STORED_MESSAGES[name](str(item)) for item in value]
            if name in STORED_MESSAGES and isinstance(value, list)
            else with_messages_read(value) if isinstance(value, Mapping) else value for name, value in data.items()}


def field_rows(data: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(label, value in words) per field, in the data's order."""
    return [(field_label(name), field_value(name, value)) for name, value in data.items()]


def readable_json(value: Any) -> str:
    """JSON for a details toggle: indented, Chinese as Chinese (the page escapes it as text)."""
    return json.dumps(value, ensure_ascii=False, indent=2, default=str)
