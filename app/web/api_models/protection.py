"""Marking a customer protected, or clearing it (issue 16 item 4)."""

from __future__ import annotations

from typing import Annotated

from pydantic import ConfigDict, Field

from app.web.api_models.base import Answer, clearable
from app.web.api_models.customers import ArchiveBody

ProtectionReason = Annotated[str, clearable(2000, nonempty=True)]


class ProtectionChange(ArchiveBody):
    """Set a customer's protection class, or clear it (``kind: null``); a reason either way."""

    model_config = ConfigDict(json_schema_extra={"examples": [
        {"kind": "life_support", "reason": "home oxygen concentrator, hospital letter 2026-03-01",
         "meter_protect": True}]})

    kind: str | None = Field(description="a code of the protection classes (life_support, important, medical, "
                                         "power_protect, ...), or null to clear the protection")
    reason: ProtectionReason = Field(description="why (required, both ways); kept on the customer and in the history")
    meter_protect: bool = Field(False, description="also put the meter in power-protect (DL/T 645 3A) when setting, "
                                                   "or take it off (3B) when clearing: a meter command through the "
                                                   "outbox")


class ProtectionOutcome(Answer):
    model_config = ConfigDict(json_schema_extra={"examples": [
        {"customer": "3400000011", "old": None, "new": "life_support", "changed": True,
         "cancelled_commands": ["HES-17-3f1c0e9a0000"], "meter_command": "HES-protect-11-0a1b2c3d4e5f",
         "meter_busy_with": None}]})

    customer: str
    old: str | None
    new: str | None
    changed: bool = Field(description="false: the class and reason were already so")
    cancelled_commands: list[str] = Field(description="the customer's trips taken back before they were sent")
    meter_command: str | None = Field(description="the power-protect meter command queued, if asked for")
    meter_busy_with: str | None = Field(description="the command in flight that kept the power-protect command from "
                                                    "being queued (tick it again later)")
