"""The report rules that need no database: nearest-rank percentiles and the period's arguments."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from app.audit.reports.period import BadReportArguments, parse_period
from app.audit.reports.stats import nearest_rank

TODAY = date(2026, 3, 2)


def test_nearest_rank_takes_the_ceil_p_n_th_smallest() -> None:
    assert nearest_rank([4.0, 1.0, 3.0, 2.0], 50) == 2.0  # rank ⌈2⌉: the lower middle value
    assert nearest_rank([4.0, 1.0, 3.0, 2.0], 95) == 4.0  # rank ⌈3.8⌉
    assert nearest_rank([float(n) for n in range(1, 101)], 95) == 95.0  # exactly rank 95, no float rounding up
    assert nearest_rank([7.0], 95) == 7.0
    assert nearest_rank([], 50) is None


def test_issue5_a_period_is_beijing_days_inclusive() -> None:
    period = parse_period("2026-03-01", "2026-03-02", " S01 ", TODAY)
    assert (period.utc_start, period.utc_end) == (datetime(2026, 2, 28, 16, tzinfo=UTC),
                                                  datetime(2026, 3, 2, 16, tzinfo=UTC))
    assert (period.segment, len(period.days)) == ("S01", 2)
    default = parse_period(None, None, "", TODAY)
    assert (default.start, default.end, default.segment) == (date(2026, 2, 1), TODAY, None)


@pytest.mark.parametrize(("start", "end", "message"), [
    ("2026-13-01", None, "from must be a date written YYYY-MM-DD"),
    ("2026-03-03", "2026-03-02", "is after to"),
    ("2025-03-01", "2026-03-02", "at most 366 days"),
])
def test_issue5_bad_periods_are_refused_with_a_reason(start: str, end: str | None, message: str) -> None:
    with pytest.raises(BadReportArguments, match=message):
        parse_period(start, end, None, TODAY)
