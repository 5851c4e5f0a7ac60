"""Screening for remote reconnection (M1.1) and the auto-reconnect flag set for many customers at once (M1.2)."""

from __future__ import annotations

from typing import ClassVar

from pydantic import ConfigDict, Field

from app.web.api_models.base import Answer, Query, Text, page_field, size_field
from app.web.api_models.customers import (
    PAGE_SIZE,
    ArchiveBody,
    FlagOutcome,
    Only,
    RequiredReason,
    Rule,
    ScreeningRow,
)


class ScreeningArgs(Query):
    """The screening report's filters and page."""

    model_config = ConfigDict(json_schema_extra={"examples": [{"segment": "S01", "only": "ineligible"}]})

    segment: Text | None = Field(None, description="meter-reading segment code")
    only: Only | None = Field(None, description="keep these")  # type: ignore[valid-type]
    failing: Rule | None = Field(None, description="keep customers failing this criterion")  # type: ignore[valid-type]
    page: int = page_field()
    size: int = size_field(PAGE_SIZE)


class BulkFlagChange(ArchiveBody):
    """Set or clear the flag of many customers at once."""

    model_config = ConfigDict(json_schema_extra={"examples": [
        {"customers": ["3400000001", "3400000002"], "value": False, "reason": "channel offline for a week"}]})
    value_messages: ClassVar[dict[str, str]] = {"customers": "a list of customer numbers"}

    customers: list[str] = Field(description="customer numbers (letters, digits, '_' and '-'), 1 to 1000 "
                                             "distinct")
    value: bool = Field(description="true sets the flag, false clears it")
    reason: RequiredReason = Field(description="why, recorded with each change")


class BulkFlagOutcome(Answer):
    model_config = ConfigDict(json_schema_extra={"examples": [{"changed": 1, "unchanged": 0, "outcomes": [
        {"customer": "3400000001", "old": True, "new": False, "changed": True, "eligible": True}]}]})

    changed: int
    unchanged: int
    outcomes: list[FlagOutcome]


class ScreeningPage(Answer):
    """One page of the M1.1 screening report, with counts over the segment (or archive)."""

    model_config = ConfigDict(json_schema_extra={"examples": [{
        "summary": {"total": 5, "eligible": 3, "flagged": 2, "flagged_but_ineligible": 1},
        "failing_counts": {"M1.1.1": 1, "M1.1.2": 1, "M1.1.3": 1, "M1.1.4": 0}, "total": 0, "page": 1,
        "size": 50, "pages": 1, "rows": []}]})

    summary: dict[str, int] = Field(description="total, eligible, flagged, flagged_but_ineligible")
    failing_counts: dict[str, int] = Field(description="criterion → customers failing it")
    total: int
    page: int
    size: int
    pages: int
    rows: list[ScreeningRow]
