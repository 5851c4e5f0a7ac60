"""Order statistics the reports state on the page: nearest-rank percentiles."""

from __future__ import annotations

from collections.abc import Sequence


def nearest_rank(values: Sequence[float], percent: int) -> float | None:
    """The nearest-rank ``percent``-th percentile: the smallest value with at least ``percent`` % of
    the values at or below it — the ⌈percent/100 × n⌉-th smallest (the median of an even count is
    the lower middle value). None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, -(-percent * len(ordered) // 100))  # integer ceiling: no float rounding at the edge
    return ordered[rank - 1]
