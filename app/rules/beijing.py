"""Beijing time: the utility's operators and customers read every time in it; the database and
the APIs keep UTC. China has had no daylight saving since 1991, so a fixed offset is exact."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

BEIJING = timezone(timedelta(hours=8), "Asia/Shanghai")


def beijing_date(moment: datetime) -> date:
    """The calendar day ``moment`` (timezone-aware) falls on in Beijing."""
    return moment.astimezone(BEIJING).date()
