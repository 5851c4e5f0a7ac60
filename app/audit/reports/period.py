"""The period and segment a report covers: Beijing calendar days, inclusive, turned into UTC bounds."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from app.rules.beijing import BEIJING
from app.runtime.errors import RuntimeActionError

MAX_DAYS = 366
DEFAULT_DAYS = 30


class BadReportArguments(RuntimeActionError):
    """A report's filters cannot be understood (400); the message says which and why."""


@dataclass(frozen=True)
class ReportPeriod:
    start: date  # first Beijing day, inclusive
    end: date  # last Beijing day, inclusive
    segment: str | None = None

    @property
    def utc_start(self) -> datetime:
        return datetime.combine(self.start, time(), BEIJING)

    @property
    def utc_end(self) -> datetime:
        """The first moment after the period (midnight, Beijing, after ``end``)."""
        return datetime.combine(self.end + timedelta(days=1), time(), BEIJING)

    @property
    def days(self) -> list[date]:
        return [self.start + timedelta(days=n) for n in range((self.end - self.start).days + 1)]

    def holds(self, day: date) -> bool:
        return self.start <= day <= self.end


def parse_period(start: str | None, end: str | None, segment: str | None, today: date) -> ReportPeriod:
    """``start``/``end`` as ``YYYY-MM-DD`` (Beijing days, inclusive; default: the 30 days up to
    ``today``), at most 366 days; a bad value raises ``BadReportArguments`` naming it."""
    last = _day("to", end) if end else today
    first = _day("from", start) if start else last - timedelta(days=DEFAULT_DAYS - 1)
    if first > last:
        raise BadReportArguments(f"from ({first}) is after to ({last})")
    if (last - first).days + 1 > MAX_DAYS:
        raise BadReportArguments(f"a report covers at most {MAX_DAYS} days; {first} to {last} is "
                                 f"{(last - first).days + 1}")
    return ReportPeriod(first, last, (segment or "").strip() or None)


def _day(name: str, value: str) -> date:
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise BadReportArguments(f"{name} must be a date written YYYY-MM-DD (a Beijing calendar day), "
                                 f"not {value!r}") from None
