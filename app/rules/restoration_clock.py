"""The restoration clock (issue 16 item 3): every reconnection must restore power within the
policy's hours for the customer's class (``bpmn/restoration_clock.dmn``), counted from the payment
that cleared the debt, or from the patrol's discovery of a customer who owes nothing; an
unfinished one is escalated to a supervisor at the policy's escalation point."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

MET, BREACHED = "met", "breached"  # a closed clock's outcome (kept by storage.restoration_clocks)
PATROL = "patrol"  # the order's trigger when the patrol found the customer


def clock_start(trigger: str, opened_at: datetime, paid_at: datetime | None) -> datetime:
    """When the clock starts: the clearing payment's time when a payment led to the order (the
    payment itself, or a trip's result or expired wait that kept the paid-up customer waiting),
    the order's opening when the patrol discovered the customer."""
    if trigger == PATROL or paid_at is None:
        return opened_at
    return min(paid_at, opened_at)


@dataclass(frozen=True)
class Clock:
    """One reconnection's clock: started, escalated at, due."""

    started_at: datetime
    escalate_at: datetime
    due_at: datetime

    @classmethod
    def of(cls, started_at: datetime, sla_hours: float, escalate_hours: float) -> Clock:
        """The clock of the policy's hours; ValueError when they make no sense."""
        if sla_hours <= 0 or not 0 <= escalate_hours <= sla_hours:
            raise ValueError(f"restoration policy: {sla_hours} h to restore and escalation at {escalate_hours} h "
                             "(expected 0 ≤ escalation ≤ restoration, restoration > 0)")
        return cls(started_at, started_at + timedelta(hours=escalate_hours), started_at + timedelta(hours=sla_hours))


def hours_between(earlier: datetime, later: datetime) -> float:
    """Hours from ``earlier`` to ``later`` (negative when ``later`` is earlier), to one decimal."""
    return round((later - earlier).total_seconds() / 3600, 1)
