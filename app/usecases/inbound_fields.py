"""Strict reading of the fields machines send us (billing's payments, the head-end's results).

Nothing is guessed: an amount is a JSON number or a plain decimal string, a time is ISO 8601
with a zone, an id is a string of printable characters, digits are ASCII digits. Each refusal is
a ``FieldError`` whose message starts with the field's name (issue 10 items 2, 3, 5 and 19).
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

# A clock a few minutes ahead of ours is a clock, not a payment from the future.
CLOCK_SKEW = timedelta(minutes=5)
# What machines report happened within the last quarter: billing settles within days and a meter
# answers within its command's half hour, so anything older is a wrong year or a default date
# (1970, 0001), which would otherwise skew the payment → reconnection reports, not a late message.
OLDEST = timedelta(days=90)
PLAIN_DECIMAL = re.compile(r"[0-9]+(?:\.[0-9]{1,2})?")
ISO_TIME = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9]{2}:[0-9]{2}(?::[0-9]{2}(?:\.[0-9]{1,6})?)?"
                      r"(?P<zone>Z|[+-][0-9]{2}:[0-9]{2})?")
TIME_EXAMPLE = "2026-03-02T09:15:00+08:00"
CENT = Decimal("0.01")


class FieldError(ValueError):
    """One field of an inbound message cannot be taken; ``str()`` starts with the field's name."""

    def __init__(self, field: str, problem: str) -> None:
        super().__init__(f"{field} {problem}")
        self.field = field


def shown(value: Any, longest: int = 80) -> str:
    """``value`` as an error message quotes it: its ``repr`` (ASCII-safe for NUL and surrogates), cut short."""
    text = repr(value)
    return text if len(text) <= longest else text[:longest] + "…"


def required(payload: Mapping[str, Any], names: tuple[str, ...]) -> None:
    """Every one of ``names`` is present and not null or empty."""
    missing = [name for name in names if payload.get(name) in (None, "")]
    if missing:
        raise FieldError(missing[0], "is required" + "".join(f"; {name} is required" for name in missing[1:]))


def identifier(payload: Mapping[str, Any], field: str, longest: int) -> str:
    """A non-empty string of printable characters, with no space around it, at most ``longest`` long."""
    value = payload.get(field)
    if not isinstance(value, str) or not value:
        raise FieldError(field, "is required and must be a non-empty string")
    if len(value) > longest:
        raise FieldError(field, f"is longer than {longest} characters")
    if not value.isprintable() or value != value.strip():
        raise FieldError(field, f"{shown(value)} holds control characters, unpaired surrogates or surrounding space")
    return value


def text(payload: Mapping[str, Any], field: str, longest: int) -> str | None:
    """Optional free text (line breaks and tabs allowed), at most ``longest`` characters."""
    value = payload.get(field)
    if value is None:
        return None
    if not isinstance(value, str):
        raise FieldError(field, "must be a string")
    if len(value) > longest:
        raise FieldError(field, f"is longer than {longest} characters")
    if not value.replace("\n", " ").replace("\t", " ").replace("\r", " ").isprintable():
        raise FieldError(field, "holds control characters or unpaired surrogates")
    return value


def money_cents(payload: Mapping[str, Any], field: str, most: Decimal) -> int:
    """A positive amount of yuan with at most 2 decimals, at most ``most``, in cents.

    A JSON number, or a string of ASCII digits with an optional point and 1–2 decimals. The
    maximum is checked before any rounding, so no size of number can raise.
    """
    value = payload.get(field)
    wanted = f"must be positive, at most {most} yuan, written with ASCII digits and at most 2 decimals " \
             f"(a JSON number or a string like \"88.50\")"
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise FieldError(field, f"{shown(value)} {wanted}")
    if isinstance(value, float) and not math.isfinite(value):
        raise FieldError(field, f"{shown(value)} is not a finite number")
    if isinstance(value, str) and not PLAIN_DECIMAL.fullmatch(value):
        raise FieldError(field, f"{shown(value)} {wanted}")
    amount = Decimal(value) if isinstance(value, int | str) else Decimal(repr(value))
    if amount > most:
        raise FieldError(field, f"{shown(value)} is more than one payment can be ({most} yuan)")
    if amount <= 0 or amount != amount.quantize(CENT):  # safe: at most 11 digits by now
        raise FieldError(field, f"{shown(value)} {wanted}")
    return int(amount * 100)


def instant(payload: Mapping[str, Any], field: str, now: datetime) -> datetime:
    """An ISO-8601 time with a zone (``Z`` or ``±hh:mm``), in ASCII, between ``OLDEST`` ago and
    ``CLOCK_SKEW`` ahead of ``now``; returned in the zone it was written in."""
    value = payload.get(field)
    if not isinstance(value, str):
        raise FieldError(field, f"must be an ISO-8601 time with a time zone, like {TIME_EXAMPLE}")
    written = ISO_TIME.fullmatch(value)
    if written is None:
        raise FieldError(field, f"{shown(value)} is not an ISO-8601 time like {TIME_EXAMPLE}")
    if written["zone"] is None:
        raise FieldError(field, f"{shown(value)} needs a time zone (e.g. +08:00)")
    try:
        when = datetime.fromisoformat(value)
        when.astimezone(UTC)  # year 1 at +14:00 is before the first representable instant
    except (ValueError, OverflowError):
        raise FieldError(field, f"{shown(value)} is not a valid time") from None
    earliest, latest = now - OLDEST, now + CLOCK_SKEW
    if not earliest <= when <= latest:
        raise FieldError(field, f"{shown(value)} must lie between {earliest.isoformat(timespec='seconds')} "
                                f"and {latest.isoformat(timespec='seconds')} (not in the future, "
                                f"at most {OLDEST.days} days ago)")
    return when
