"""SMS rules: how many billed messages a text takes, mainland mobile numbers, template filling.

Pure functions on the standard library only. Operators bill per segment: a GSM-7 text fits
160 characters in one message and 153 per part when split; anything else goes as UCS-2
(data_coding 8), 70 characters in one message and 67 per part. The signature 【…】 is part
of the text, so it counts too.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

GSM7_SINGLE, GSM7_PART = 160, 153
UCS2_SINGLE, UCS2_PART = 70, 67

# The ASCII part of the GSM 03.38 default alphabet. The extension characters cost two septets
# (escape + character); the backtick is not in the alphabet at all, so it forces UCS-2.
_GSM7_EXTENSION = frozenset("^{}\\[~]|")
_GSM7_BASIC = frozenset(chr(c) for c in range(0x20, 0x7F)) - _GSM7_EXTENSION - {"`"} | {"\n", "\r"}

_MAINLAND_MOBILE = re.compile(r"(?:\+86|0086|86)?(1[3-9][0-9]{9})")
_SEPARATORS = re.compile(r"[\s-]+")


def segments(text: str) -> int:
    """How many messages ``text`` is billed as (at least one, even for an empty text)."""
    if all(ch in _GSM7_BASIC or ch in _GSM7_EXTENSION for ch in text):
        length = sum(2 if ch in _GSM7_EXTENSION else 1 for ch in text)
        single, part = GSM7_SINGLE, GSM7_PART
    else:
        # UCS-2 on the wire is UTF-16 in practice: a character outside the BMP takes two units.
        length = len(text.encode("utf-16-le")) // 2
        single, part = UCS2_SINGLE, UCS2_PART
    if length <= single:
        return 1
    return -(-length // part)


def normalize_mainland_mobile(number: str) -> str:
    """The 11-digit mainland China mobile number in ``number``.

    Accepts a ``+86`` / ``86`` / ``0086`` prefix and spaces or dashes anywhere; raises
    ``ValueError`` for anything else (landlines, short codes, other countries, typos).
    """
    match = _MAINLAND_MOBILE.fullmatch(_SEPARATORS.sub("", number))
    if match is None:
        raise ValueError(f"{number!r} is not a mainland China mobile number (11 digits starting 13-19)")
    return match.group(1)


def is_mainland_mobile(number: str) -> bool:
    """Whether ``number`` is a mainland China mobile number (as ``normalize_mainland_mobile`` accepts)."""
    try:
        normalize_mainland_mobile(number)
    except ValueError:
        return False
    return True


class MissingPlaceholderError(KeyError):
    """A template names a placeholder the values do not provide."""

    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.name = name

    def __str__(self) -> str:
        return f"template placeholder {{{self.name}}} has no value"


class _StrictValues(dict[str, object]):
    def __missing__(self, key: str) -> object:
        raise MissingPlaceholderError(key)


def render(template: str, values: Mapping[str, object]) -> str:
    """Fill ``template``'s ``{name}`` placeholders from ``values``.

    Raises ``MissingPlaceholderError`` (a ``KeyError``) naming the first placeholder without a value.
    """
    return template.format_map(_StrictValues(values))
