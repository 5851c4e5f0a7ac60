"""SMS subscriptions (M2.1): one customer's notices and the rates per segment."""

from __future__ import annotations

from pydantic import ConfigDict, Field

from app.web.api_models.base import Answer
from app.web.api_models.customers import ArchiveBody, NoticeType


class SubscriptionChange(ArchiveBody):
    """Subscribe a customer to one kind of service SMS, or unsubscribe."""

    model_config = ConfigDict(json_schema_extra={"examples": [{"notice_type": "arrears", "subscribed": True}]})

    notice_type: NoticeType = Field(description="disconnection, reconnection or arrears (another is a 400)")
    subscribed: bool


class SubscriptionOutcome(Answer):
    model_config = ConfigDict(json_schema_extra={"examples": [
        {"customer": "3400000003", "notice_type": "arrears", "old": False, "new": True, "changed": True}]})

    customer: str
    notice_type: str
    old: bool
    new: bool
    changed: bool


class RateRow(Answer):
    segment: str | None = Field(description="null: the whole archive")
    name: str | None
    customers: int
    subscribed: dict[str, int] = Field(description="notice type → customers subscribed")
    rate: dict[str, float] = Field(description="notice type → fraction 0..1 (3 decimals)")
    subscribed_any: int
    rate_any: float


class SubscriptionRates(Answer):
    model_config = ConfigDict(json_schema_extra={"examples": [{
        "segments": [{"segment": "S01", "name": "淮南一段", "customers": 4,
                      "subscribed": {"disconnection": 1, "reconnection": 0, "arrears": 2},
                      "rate": {"disconnection": 0.25, "reconnection": 0.0, "arrears": 0.5},
                      "subscribed_any": 2, "rate_any": 0.5}],
        "total": {"segment": None, "name": None, "customers": 4,
                  "subscribed": {"disconnection": 1, "reconnection": 0, "arrears": 2},
                  "rate": {"disconnection": 0.25, "reconnection": 0.0, "arrears": 0.5},
                  "subscribed_any": 2, "rate_any": 0.5}}]})

    segments: list[RateRow]
    total: RateRow
