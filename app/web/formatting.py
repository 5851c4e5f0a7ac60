"""How values read on the pages: times in Beijing time to the minute, money in yuan."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from app.rules.beijing import BEIJING

MINUTE = "%Y-%m-%d %H:%M"


def local_time(value: Any) -> str:
    """A time as the operators read it: Beijing time, to the minute. Takes a datetime (naive means
    UTC, as the database keeps it) or ISO-8601 text with a time; a date (or date-only text) reads
    as the date; None as ""; anything else as it is."""
    if value is None:
        return ""
    if isinstance(value, str):
        if "T" not in value and " " not in value.strip():  # a date, or not a time at all
            return value
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            return value
    if isinstance(value, datetime):
        aware = value if value.tzinfo is not None else value.replace(tzinfo=UTC)
        return aware.astimezone(BEIJING).strftime(MINUTE)
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def yuan(cents: int | None) -> str:
    """An amount in cents as yuan with two decimals and thousands separators ("" for none); exact
    (Decimal), never through a float."""
    return "" if cents is None else f"{Decimal(cents).scaleb(-2):,.2f}"
