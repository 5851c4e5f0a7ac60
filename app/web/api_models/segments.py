"""Meter-reading segments, their readers and the readers' phones (M3)."""

from __future__ import annotations

from datetime import datetime
from types import EllipsisType
from typing import Any

from pydantic import ConfigDict, Field

from app.web.api_models.base import Answer
from app.web.api_models.customers import ArchiveBody, Mobile, Username


class ReaderPhoneChange(ArchiveBody):
    """A segment's reader mobile and, if given, its reader."""

    model_config = ConfigDict(json_schema_extra={"examples": [
        {"reader_mobile": "13700000002", "reader_username": "reader-rui"}]})

    reader_mobile: Mobile = Field(description="a mainland China mobile; empty or null clears it")
    reader_username: Username = Field("", description="the reader's username; empty or null clears it, left out "
                                                      "keeps it")

    def reader(self) -> str | EllipsisType | None:
        """The reader to set: ``...`` keeps the one there is (the field was left out), None clears it."""
        if "reader_username" not in self.model_fields_set:
            return ...
        return self.reader_username or None


class SegmentRow(Answer):
    code: str
    name: str
    reader_username: str | None
    reader_mobile: str | None
    customers: int


SEGMENT_EXAMPLE: dict[str, Any] = {"code": "S01", "name": "淮南一段", "reader_username": "reader-rui",
                   "reader_mobile": "13900000001", "customers": 3}


class Segments(Answer):
    model_config = ConfigDict(json_schema_extra={"examples": [{"segments": [SEGMENT_EXAMPLE]}]})

    segments: list[SegmentRow]


class SegmentChange(Answer):
    at: datetime
    type: str
    actor: str
    old: Any
    new: Any


class SegmentDetail(SegmentRow):
    """A segment with the history of its reader and mobile, old → new."""

    model_config = ConfigDict(json_schema_extra={"examples": [{**SEGMENT_EXAMPLE, "history": [
        {"at": "2026-03-01T02:00:00+00:00", "type": "segment.reader_phone_changed", "actor": "root",
         "old": "13900000000", "new": "13900000001"}]}]})

    history: list[SegmentChange]


class ReaderPhoneOutcome(Answer):
    model_config = ConfigDict(json_schema_extra={"examples": [
        {"segment": "S01", "old": "13900000001", "new": "13700000002", "changed": True,
         "reader_username": "reader-rui"}]})

    segment: str
    old: str | None
    new: str | None
    changed: bool
    reader_username: str | None
