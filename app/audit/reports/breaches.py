"""Restoration clock breaches for a report's period (issue 16 item 3): the clocks that fell due in
the period, per segment and per Beijing month, and how many were breached — power restored after
the due time, or still not restored at ``now``. Counted by the database per day and segment
(``storage.restoration_clocks.breaches_per_day``); summed here."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from app.archive.lookups import rate
from app.audit.reports.period import ReportPeriod
from storage import restoration_clocks as clock_rows
from storage.report_orders import without_jit


@dataclass
class BreachCounts:
    """Clocks due in one segment or month ("" over all): how many, met, breached (the rest are
    open and not yet due)."""

    key: str
    due: int = 0
    met: int = 0
    breached: int = 0

    @property
    def rate(self) -> float:
        """The share breached (0 when none fell due)."""
        return rate(self.breached, self.due)


@dataclass(frozen=True)
class Breaches:
    per_segment: list[BreachCounts]
    per_month: list[BreachCounts]  # key: YYYY-MM (Beijing)
    total: BreachCounts


def restoration_breaches(session: Session, period: ReportPeriod, now: datetime) -> Breaches:
    """The period's clocks per segment and per month, as of ``now``."""
    without_jit(session)
    per_segment: dict[str, BreachCounts] = {}
    per_month: dict[str, BreachCounts] = {}
    total = BreachCounts("")
    for row in clock_rows.breaches_per_day(session, period.utc_start, period.utc_end, period.segment, now):
        month = row.day.strftime("%Y-%m")
        for target in (per_segment.setdefault(row.segment, BreachCounts(row.segment)),
                       per_month.setdefault(month, BreachCounts(month)), total):
            target.due += row.due
            target.met += row.met
            target.breached += row.breached
    return Breaches(sorted(per_segment.values(), key=_key), sorted(per_month.values(), key=_key), total)


def _key(counts: BreachCounts) -> str:
    return counts.key
