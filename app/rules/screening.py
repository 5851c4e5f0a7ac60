"""M1.1 screening: which customers can really be reconnected remotely, and why not."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


class MeterFacts(Protocol):
    """What screening reads of a meter: a customer, a query's row, a dataclass (read only)."""

    @property
    def voltage_class(self) -> str: ...
    @property
    def ami_connected(self) -> bool: ...
    @property
    def channel_online(self) -> bool: ...
    @property
    def can_direct_close(self) -> bool: ...
    @property
    def relay_type(self) -> str: ...


@dataclass(frozen=True)
class Criterion:
    rule: str
    holds: bool
    reason: str


@dataclass(frozen=True)
class Screening:
    criteria: tuple[Criterion, ...]

    @property
    def eligible(self) -> bool:
        return all(c.holds for c in self.criteria)

    @property
    def reasons_not(self) -> list[str]:
        return [c.reason for c in self.criteria if not c.holds]


def screen(customer: MeterFacts) -> Screening:
    """The four M1.1 criteria, each with the reason it fails (all four must hold)."""
    closes_remotely = customer.can_direct_close or customer.relay_type == "external"
    return Screening((
        Criterion("M1.1.1", customer.voltage_class == "low", "not a low-voltage customer"),
        Criterion("M1.1.2", customer.ami_connected, "not connected to the collection system (AMI)"),
        Criterion("M1.1.3", customer.channel_online, "the collection system does not see the meter online"),
        Criterion("M1.1.4", closes_remotely,
                  "the meter cannot close directly: it needs a button press on site (close-allowed only)"),
    ))
