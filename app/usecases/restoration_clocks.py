"""The restoration clocks page's reading (issue 16 item 3): open clocks with the time left, the
soonest due first, breached ones marked; and the latest closed ones with their outcome."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from app.rules.restoration_clock import BREACHED, MET, hours_between
from storage import restoration_clocks as clock_rows
from storage.restoration_clocks import ClockRow

ROLES = ("approver", "sysadmin", "auditor")  # supervisors acknowledge escalations; who may see the clocks
SHOWN = 200  # clocks the page lists (open and closed each)


@dataclass(frozen=True)
class ClockLine:
    """One clock as the page shows it."""

    row: ClockRow
    hours_left: float  # negative: overdue by that many hours
    state: str  # running | escalated | breached (open) | met | breached (closed)


@dataclass(frozen=True)
class ClocksView:
    open: list[ClockLine]
    closed: list[ClockLine]

    @property
    def breached_open(self) -> int:
        return sum(1 for line in self.open if line.state == BREACHED)


def _open_line(row: ClockRow, now: datetime) -> ClockLine:
    left = hours_between(now, row.due_at)
    state = BREACHED if row.due_at < now else "escalated" if row.escalated_at is not None else "running"
    return ClockLine(row, left, state)


def _closed_line(row: ClockRow) -> ClockLine:
    restored = row.restored_at or row.due_at
    return ClockLine(row, hours_between(restored, row.due_at), row.outcome or MET)


def clocks(session: Session, now: datetime, *, shown: int = SHOWN) -> ClocksView:
    """The open clocks (most urgent first) and the latest closed ones, as of ``now``."""
    return ClocksView([_open_line(row, now) for row in clock_rows.open_clocks(session, limit=shown)],
                      [_closed_line(row) for row in clock_rows.closed_clocks(session, limit=shown)])
