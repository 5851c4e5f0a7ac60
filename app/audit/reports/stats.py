"""Order statistics the reports state on the page: nearest-rank percentiles."""

from __future__ import annotations

from collections.abc import Sequence


def nearest_rank(values: Sequence[float], percent: int) -> float | None:
    """The nearest-rank ``percent``-th percentile: the smallest value with at least ``percent`` % of
    the values at or below it — the ⌈percent/100 × n⌉-th smallest (the median of an even count is
    the lower middle value). None for no values."""
    if not values:
        return None
    return sorted(values)[nearest_rank_position(len(values), percent) - 1]


def nearest_rank_position(count: int, percent: int) -> int:
    """The 1-based position of the nearest-rank ``percent``-th percentile among ``count`` ordered
    values: ⌈percent/100 × count⌉, at least 1 (integer ceiling: no float rounding at the edge)."""
    return max(1, (percent * count + 99) // 100)
