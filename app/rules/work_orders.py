"""Work-order numbers: a series is a prefix and a total length (M5.1: automatic reconnection
``10`` + 6 digits, manual ``14`` + 10 digits; other companies configure their own)."""

from __future__ import annotations

from dataclasses import dataclass


class WorkOrderNumbersExhausted(RuntimeError):
    """A series has used every number its length allows: never reuse one, stop and alert."""


@dataclass(frozen=True)
class Series:
    name: str
    prefix: str
    length: int

    def __post_init__(self) -> None:
        if not self.prefix.isdigit() or self.length <= len(self.prefix):
            raise ValueError(f"work-order series {self.name!r}: prefix {self.prefix!r} must be digits, "
                             f"shorter than the length {self.length}")

    @property
    def capacity(self) -> int:
        """How many numbers the series has (the counter runs 1 .. capacity - 1; 0 is never used)."""
        return 10 ** (self.length - len(self.prefix))

    def format(self, value: int) -> str:
        if not 0 < value < self.capacity:
            raise WorkOrderNumbersExhausted(
                f"work-order series {self.name!r} ({self.prefix} + {self.length - len(self.prefix)} digits) "
                f"has no number left after {self.capacity - 1}: extend its length in the configuration")
        return f"{self.prefix}{value:0{self.length - len(self.prefix)}d}"


DEFAULT_SERIES = {"auto": Series("auto", "10", 8), "manual": Series("manual", "14", 12)}


def series_from_config(config: dict[str, dict[str, object]] | None) -> dict[str, Series]:
    """``{"auto": {"prefix": "10", "length": 8}, ...}`` over the defaults."""
    series = dict(DEFAULT_SERIES)
    for name, values in (config or {}).items():
        series[name] = Series(name, str(values["prefix"]), int(str(values["length"])))
    return series
