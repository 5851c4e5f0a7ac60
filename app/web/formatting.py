"""How values read on the pages: times in Beijing time to the minute, money in yuan — written by
Babel for the reader's locale (Flask-Babel's, English outside a request). The patterns are fixed
and numeric (``2026-03-02 01:05``, ``1,234.50``): both languages' operators read them alike, and a
Chinese page and its English twin show the same figures."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from babel import Locale
from babel.dates import format_datetime
from babel.numbers import format_decimal
from flask_babel import get_locale
from flask_babel import gettext as _

from app.rules.beijing import BEIJING
from app.translations import N_

MINUTE = "yyyy-MM-dd HH:mm"  # Unicode (CLDR) date pattern
YUAN = "#,##0.00"  # Unicode (CLDR) number pattern: thousands grouped, always two decimals
ENGLISH = Locale("en")
ZONE_LABEL = N_("Beijing time")  # how people name the utility's zone (app.rules.beijing.ZONE_NAME)


def reader_locale() -> Locale:
    return get_locale() or ENGLISH


def beijing_time(moment: datetime, pattern: str = MINUTE) -> str:
    """An aware time (naive means UTC, as the database keeps it) in Beijing time, by a CLDR pattern."""
    aware = moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
    return format_datetime(aware, pattern, tzinfo=BEIJING, locale=reader_locale())


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
        return beijing_time(value)
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def with_zone(text: str) -> str:
    """``text`` (a time, or a column that holds times) followed by the utility's time zone, as in
    "2026-12-05 17:00（北京时间）"; "" stays "" (no time, no zone)."""
    return _("{time} ({zone})").format(time=text, zone=_(ZONE_LABEL)) if text else ""


def deadline(value: Any) -> str:
    """A deadline (a task's due time, a command's expiry): Beijing time to the minute, the zone named."""
    return with_zone(local_time(value))


def yuan(cents: int | None) -> str:
    """An amount in cents as yuan with two decimals and thousands separators ("" for none); exact
    (Decimal), never through a float."""
    if cents is None:
        return ""
    return format_decimal(Decimal(cents).scaleb(-2), YUAN, locale=reader_locale())
