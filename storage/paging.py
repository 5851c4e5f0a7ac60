"""Paged lists: how many pages a total makes."""

from __future__ import annotations


def page_count(total: int, size: int) -> int:
    """Pages of ``size`` rows that ``total`` rows fill (at least one: an empty list is one empty page)."""
    return max(1, -(-total // size))
