"""How the pages write times and money: one way each (``app.web.formatting``)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

from app.web.formatting import local_time, yuan


def test_times_read_in_beijing_time_to_the_minute() -> None:
    utc = datetime(2026, 3, 1, 17, 5, 59, tzinfo=UTC)
    assert local_time(utc) == "2026-03-02 01:05"  # the next day in Beijing
    assert local_time(utc.replace(tzinfo=None)) == "2026-03-02 01:05"  # naive: UTC, as the database keeps it
    assert local_time(utc.astimezone(timezone(timedelta(hours=-5)))) == "2026-03-02 01:05"
    assert local_time("2026-03-01T17:05:00+00:00") == "2026-03-02 01:05"  # process data holds ISO text
    assert local_time(date(2026, 3, 5)) == local_time("2026-03-05") == "2026-03-05"  # a date stays a date
    assert local_time(None) == "" and local_time("not a time") == "not a time"


def test_money_is_exact_yuan_from_cents() -> None:
    assert yuan(12_345) == "123.45" and yuan(0) == "0.00" and yuan(-5) == "-0.05"
    assert yuan(10**17 + 1) == "1,000,000,000,000,000.01"  # a float would print …000.00
    assert yuan(None) == ""
