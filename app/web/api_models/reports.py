"""The auditor's reports (``GET /api/reports``; the page offers the same tables as CSV)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import ConfigDict, Field, StringConstraints, WithJsonSchema

from app.web.api_models.base import TEXT_ARG_MAX, Answer, Query, Text

Day = Annotated[str, StringConstraints(max_length=TEXT_ARG_MAX), WithJsonSchema({"type": "string", "format": "date"})]


class ReportsArgs(Query):
    """The period (Beijing calendar days, both included, at most 366) and segment; the days are
    read by the reports' own ``parse_period``, which the page and the CSV files share."""

    model_config = ConfigDict(json_schema_extra={"examples": [{"from": "2026-02-01", "to": "2026-03-02"}]})

    start: Day | None = Field(None, alias="from", description="first Beijing day, YYYY-MM-DD (default: 29 days "
                                                              "before `to`)")
    end: Day | None = Field(None, alias="to", description="last Beijing day, inclusive (default: today); at most "
                                                          "366 days in all")
    segment: Text | None = Field(None, description="one segment code")


class Counts(Answer):
    day: date | None
    segment: str | None
    disconnected_remote: int
    disconnected_on_site: int
    reconnected_remote: int
    reconnected_on_site: int
    manual_orders: int


class SlowCase(Answer):
    order_no: str
    customer: str
    segment: str
    paid_at: datetime
    restored_at: datetime
    how: Literal["remote", "on_site"]
    hours: float


class PaymentToReconnection(Answer):
    cases: int
    median_hours: float | None
    p95_hours: float | None
    percentile_method: str = Field(description="nearest-rank: the ⌈p×n⌉-th smallest")
    over_24h_count: int
    over_24h: list[SlowCase]
    without_payment: int


class Attempts(Answer):
    segment: str | None
    concluded: int
    by_send: dict[str, int] = Field(description="send number → remote successes")
    all_failed: int
    first_attempt_rate: float = Field(ge=0, le=1)


class FirstAttempts(Answer):
    total: Attempts
    per_segment: list[Attempts]


class ManualOrder(Answer):
    order_no: str
    customer: str
    segment: str
    opened_at: datetime
    why: Literal["remote_failed", "not_flagged"]
    sends: int
    status: str
    restored_at: datetime | None


class ReasonCount(Answer):
    code: str = Field(description="a disconnection reason code; \"\": batches applied before the codes")
    cut: int
    not_cut: int


class CutCodeCount(Answer):
    code: str = Field(description="a cancelled-cut code; \"\": the causes no code counts under")
    not_cut: int
    causes: dict[str, int] = Field(description="not-cut cause (a flow's outcome, terminated) → flows")


class ReasonCodes(Answer):
    by_reason: list[ReasonCount]
    by_cancelled_cut: list[CutCodeCount]


class BreachCounts(Answer):
    key: str | None = Field(description="the segment, or the Beijing month YYYY-MM; null in the total")
    due: int = Field(description="restoration clocks that fell due in the period")
    met: int
    breached: int = Field(description="power restored after the due time, or still not restored now")
    breach_rate: float = Field(ge=0, le=1)


class RestorationBreaches(Answer):
    total: BreachCounts
    per_segment: list[BreachCounts]
    per_month: list[BreachCounts]


class Period(Answer):
    start: date = Field(alias="from")
    end: date = Field(alias="to")
    segment: str | None
    time_zone: str


COUNTS: dict[str, Any] = {"day": None, "segment": None, "disconnected_remote": 3, "disconnected_on_site": 1,
                          "reconnected_remote": 2, "reconnected_on_site": 1, "manual_orders": 1}


class Reports(Answer):
    model_config = ConfigDict(json_schema_extra={"examples": [{
        "period": {"from": "2026-02-01", "to": "2026-03-02", "segment": None, "time_zone": "Asia/Shanghai"},
        "total": COUNTS, "per_day": [{**COUNTS, "day": "2026-03-02"}], "per_segment": [{**COUNTS, "segment": "S01"}],
        "daily": [{**COUNTS, "day": "2026-03-02", "segment": "S01"}],
        "payment_to_reconnection": {"cases": 2, "median_hours": 0.5, "p95_hours": 26.0,
                                    "percentile_method": "nearest-rank", "over_24h_count": 1,
                                    "over_24h": [{"order_no": "140000000001", "customer": "3400000002",
                                                  "segment": "S01", "paid_at": "2026-02-27T01:00:00+00:00",
                                                  "restored_at": "2026-02-28T03:00:00+00:00", "how": "on_site",
                                                  "hours": 26.0}],
                                    "without_payment": 0},
        "first_attempt": {"total": {"segment": None, "concluded": 2, "by_send": {"1": 1}, "all_failed": 1,
                                    "first_attempt_rate": 0.5},
                          "per_segment": [{"segment": "S01", "concluded": 2, "by_send": {"1": 1}, "all_failed": 1,
                                           "first_attempt_rate": 0.5}]},
        "manual_orders": [{"order_no": "140000000001", "customer": "3400000002", "segment": "S01",
                           "opened_at": "2026-02-27T03:00:00+00:00", "why": "remote_failed", "sends": 3,
                           "status": "closed", "restored_at": "2026-02-28T03:00:00+00:00"}],
        "reason_codes": {"by_reason": [{"code": "01", "cut": 4, "not_cut": 1}],
                         "by_cancelled_cut": [{"code": "C1", "not_cut": 1, "causes": {"paid_before_trip": 1}}]},
        "restoration_breaches": {
            "total": {"key": None, "due": 2, "met": 1, "breached": 1, "breach_rate": 0.5},
            "per_segment": [{"key": "S01", "due": 2, "met": 1, "breached": 1, "breach_rate": 0.5}],
            "per_month": [{"key": "2026-02", "due": 2, "met": 1, "breached": 1, "breach_rate": 0.5}]}}]})

    period: Period
    total: Counts
    per_day: list[Counts]
    per_segment: list[Counts]
    daily: list[Counts]
    payment_to_reconnection: PaymentToReconnection
    first_attempt: FirstAttempts
    manual_orders: list[ManualOrder]
    reason_codes: ReasonCodes
    restoration_breaches: RestorationBreaches = Field(
        description="issue 16 item 3: the restoration clocks due in the period")
