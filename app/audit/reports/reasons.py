"""The reports by reason code (issue 16 item 7): per disconnection reason code, the customers cut
in the period and the one-customer flows that ended in it without a cut; per cancelled-cut code,
those flows again, with the causes counted under it. Counted by the database
(``storage/report_reasons.py``); a cause no code counts under is shown as not coded, and
batches applied before the codes under no code ("")."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from app.audit.reports.period import ReportPeriod
from storage import reason_codes, report_reasons


@dataclass
class ReasonRow:
    code: str  # a disconnection reason code ("" : applied before the codes)
    cut: int = 0
    not_cut: int = 0


@dataclass
class CutCodeRow:
    code: str  # a cancelled-cut code ("": the causes no code counts under)
    count: int = 0
    causes: Counter[str] = field(default_factory=Counter)


@dataclass(frozen=True)
class ReasonReports:
    by_reason: list[ReasonRow]  # by code; every code in use shows, counted or not
    by_cut_code: list[CutCodeRow]
    labels: dict[tuple[str, str], tuple[str, str]]  # (kind, code) → (English, Chinese), for the CSV

    @property
    def cut(self) -> int:
        return sum(row.cut for row in self.by_reason)

    @property
    def not_cut(self) -> int:
        return sum(row.not_cut for row in self.by_reason)


def reason_reports(session: Session, period: ReportPeriod) -> ReasonReports:
    """The counts by code for ``period`` (its segment when it has one)."""
    codes = reason_codes.codes(session)
    by_reason = {row.code: ReasonRow(row.code) for row in codes
                 if row.kind == reason_codes.DISCONNECTION and row.retired_at is None}
    by_cut_code = {row.code: CutCodeRow(row.code) for row in codes
                   if row.kind == reason_codes.CANCELLED_CUT and row.retired_at is None}
    for count in report_reasons.reason_counts(session, period.utc_start, period.utc_end, period.segment):
        reason = by_reason.setdefault(count.reason_code, ReasonRow(count.reason_code))
        if count.cut:
            reason.cut += count.customers
            continue
        reason.not_cut += count.customers
        cut_code = by_cut_code.setdefault(count.cut_code, CutCodeRow(count.cut_code))
        cut_code.count += count.customers
        cut_code.causes[count.cause] += count.customers
    return ReasonReports(sorted(by_reason.values(), key=_uncoded_last), sorted(by_cut_code.values(), key=_uncoded_last),
                         {(row.kind, row.code): (row.label_en, row.label_zh) for row in codes})


def _uncoded_last(row: ReasonRow | CutCodeRow) -> tuple[bool, str]:
    return row.code == "", row.code
