"""Beijing time: the utility's operators and customers read every time in it; the database and
the APIs keep UTC. China has had no daylight saving since 1991, so a fixed offset is exact."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

ZONE_NAME = "Asia/Shanghai"  # the utility's time zone (IANA name): pages, reports and APIs say which
BEIJING = timezone(timedelta(hours=8), ZONE_NAME)


def beijing_date(moment: datetime) -> date:
    """The calendar day ``moment`` (timezone-aware) falls on in Beijing."""
    return moment.astimezone(BEIJING).date()
