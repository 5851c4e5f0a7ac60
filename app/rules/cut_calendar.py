"""The kind of a day for the cut window (issue 16 item 1): a working day, a weekend, a public
holiday, the working day before a public holiday, or a day the calendar does not cover.

The calendar itself is a table a sysadmin keeps (``storage.cut_holds``); it is seeded from the kept
Chinese holiday calendar (PyPI ``chinese-calendar``), which knows the State Council's adjusted
working days: a Saturday made a working day is ``working`` there, and so here.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta
from importlib.metadata import version

import chinese_calendar

WORKING, WEEKEND, HOLIDAY, EVE_OF_HOLIDAY, UNKNOWN = "working", "weekend", "holiday", "eve_of_holiday", "unknown"
DAY_TYPES = (WORKING, WEEKEND, HOLIDAY, EVE_OF_HOLIDAY, UNKNOWN)
LIBRARY = f"chinese-calendar {version('chinese-calendar')}"

Kinds = Mapping[date, tuple[str, str | None]]  # day → (working | weekend | holiday, holiday name)


def day_type(day: date, kinds: Kinds) -> str:
    """What ``day`` is for the cut window. The day before a public holiday is only known when the
    calendar holds the next day too: at the calendar's last day it is ``unknown``, not a guess."""
    if day not in kinds:
        return UNKNOWN
    kind = kinds[day][0]
    if kind != WORKING:
        return kind
    following = kinds.get(day + timedelta(days=1))
    if following is None:
        return UNKNOWN
    return EVE_OF_HOLIDAY if following[0] == HOLIDAY else WORKING


def library_years() -> tuple[int, int]:
    """The first and last year the kept calendar covers."""
    return min(chinese_calendar.holidays).year, max(chinese_calendar.holidays).year


def library_days(first: date, last: date) -> list[tuple[date, str, str | None]]:
    """(day, kind, holiday name) of each day from ``first`` to ``last`` as the kept calendar has
    them; ValueError for a day it does not cover."""
    days = []
    day = first
    while day <= last:
        try:
            resting, name = chinese_calendar.get_holiday_detail(day)
        except NotImplementedError:
            raise ValueError(f"{LIBRARY} does not cover {day.isoformat()}") from None
        kind = (HOLIDAY if name else WEEKEND) if resting else WORKING
        days.append((day, kind, name))
        day += timedelta(days=1)
    return days
