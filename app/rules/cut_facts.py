"""The facts the cut-window decision table reads about one customer at one moment (issue 16
items 1 and 2). They are recorded as the task's result before the table is asked, so a replay
asks it the same question, whatever the calendar or the moratoria say by then.

The facts are computed from a ``CutSituation`` loaded once, so the next allowed moment can be
searched hour by hour without going back to the database.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from app.rules.beijing import BEIJING
from app.rules.cut_calendar import Kinds, day_type

PROTECTED = "protected"


@dataclass(frozen=True)
class Hold:
    """A moratorium on the customer's segment: local dates, inclusive."""

    starts_on: date
    ends_on: date
    reason: str

    def holds_on(self, day: date) -> bool:
        return self.starts_on <= day <= self.ends_on


@dataclass(frozen=True)
class CutSituation:
    customer_class: str  # household, non_household, or protected (whatever the class)
    overdue_since: date | None
    medical_certificate_on: date | None
    noticed_at: datetime | None  # the advance notice (SMS submitted, or the executor's by hand)
    kinds: Kinds  # the calendar around the moments asked about
    moratoria: Sequence[Hold]
    stop: str | None  # the global stop's reason, while one holds
    renoticed_for: datetime | None = None  # the moment the re-notice announced
    renotice_valid: timedelta = timedelta(hours=1)


def facts_at(situation: CutSituation, at: datetime) -> dict[str, Any]:
    """What the table reads (``facts['…']``) at ``at``, and why a hold holds, for people."""
    local = at.astimezone(BEIJING)
    day = local.date()
    holds = [hold.reason for hold in situation.moratoria if hold.holds_on(day)]
    noticed = situation.noticed_at
    renoticed = situation.renoticed_for
    return {
        "at": at.isoformat(),
        "stop": situation.stop is not None,
        "customer_class": situation.customer_class,
        "moratorium": bool(holds),
        "day_type": day_type(day, situation.kinds),
        "hour": local.hour,
        "days_overdue": (day - situation.overdue_since).days if situation.overdue_since else 0,
        "medical_certificate": situation.medical_certificate_on is not None,
        "medical_days": (day - situation.medical_certificate_on).days if situation.medical_certificate_on else 0,
        "noticed": noticed is not None,
        "notice_days": round((at - noticed).total_seconds() / 86400, 2) if noticed else 0,
        "renoticed": renoticed is not None and renoticed <= at < renoticed + situation.renotice_valid,
        "why": "; ".join(([f"global stop: {situation.stop}"] if situation.stop else []) + holds),
    }


def hours_after(start: datetime, until: datetime) -> list[datetime]:
    """``start``, then every full hour after it up to ``until``: the moments the table is asked
    about when the next allowed one is searched (the table reads hours, not minutes)."""
    first = start.replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
    count = max(0, int((until - first).total_seconds() // 3600) + 1)
    return [start, *(first + timedelta(hours=n) for n in range(count))]
