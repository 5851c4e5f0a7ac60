"""The machine callbacks: billing's payments and the head-end's results, one item (a JSON object)
or a batch (a JSON list). The items are the use cases' own models
(``app.usecases.inbound_models``), which read every field strictly."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from pydantic import ConfigDict, Field, RootModel

from app.usecases.inbound_models import (
    PAYMENT_EXAMPLE,
    RESULT_EXAMPLE,
    REVERSAL_EXAMPLE,
    HeadendResultIn,
    PaymentIn,
    ReversalIn,
)
from app.web.api_models.base import Answer

MAX_BATCH = 500
MAX_DEPTH = 16  # arrays/objects inside each other: a batch of flat items needs 2
PAYMENT_OUTCOME: dict[str, Any] = {"payment_id": "B-20260302-0001", "duplicate": False, "owed_cents": 0,
                                   "cancelled_commands": [], "reconnection_instance": 43}
REVERSAL_OUTCOME: dict[str, Any] = {"payment_id": "B-20260302-0001", "duplicate": False, "owed_cents": 8850,
                                    "overdue_since": "2026-01-10"}
RESULT_OUTCOME: dict[str, Any] = {"result_id": "R-20260302-0001", "command_id": "HES-17-3f1c0e9a0000",
                                  "stage": "executed", "delivery": "delivered", "reconnection_instance": None}


class Payments(RootModel[PaymentIn | Annotated[list[PaymentIn], Field(max_length=MAX_BATCH)]]):
    """One payment, or a batch of them."""

    model_config = ConfigDict(json_schema_extra={"examples": [PAYMENT_EXAMPLE, [PAYMENT_EXAMPLE]]})


class Reversals(RootModel[ReversalIn | Annotated[list[ReversalIn], Field(max_length=MAX_BATCH)]]):
    """One payment reversal, or a batch of them."""

    model_config = ConfigDict(json_schema_extra={"examples": [REVERSAL_EXAMPLE, [REVERSAL_EXAMPLE]]})


class HeadendResults(RootModel[HeadendResultIn | Annotated[list[HeadendResultIn], Field(max_length=MAX_BATCH)]]):
    """One result, or a batch of them."""

    model_config = ConfigDict(json_schema_extra={"examples": [RESULT_EXAMPLE, [RESULT_EXAMPLE]]})


class PaymentOutcome(Answer):
    """What a payment did (a duplicate answers its id and ``duplicate: true`` only)."""

    model_config = ConfigDict(json_schema_extra={"examples": [PAYMENT_OUTCOME]})

    payment_id: str
    duplicate: bool
    owed_cents: int | None = Field(None, description="what the customer owes now (cents)")
    cancelled_commands: list[str] | None = Field(None, description="disconnect commands taken back before they "
                                                                   "were sent")
    reconnection_instance: int | None = Field(None, description="the reconnection the payment started, in its own "
                                                                "transaction")


class ReversalOutcome(Answer):
    """What a reversal did (a duplicate answers its id and ``duplicate: true`` only)."""

    model_config = ConfigDict(json_schema_extra={"examples": [REVERSAL_OUTCOME]})

    payment_id: str
    duplicate: bool
    owed_cents: int | None = Field(None, description="what the customer owes now (cents), the payment added back")
    overdue_since: date | None = Field(None, description="the date the customer is overdue since (given back when "
                                                         "the payment had cleared it)")


class ResultOutcome(Answer):
    model_config = ConfigDict(json_schema_extra={"examples": [RESULT_OUTCOME]})

    result_id: str
    command_id: str
    stage: str
    delivery: str = Field(description="recorded, delivered, stored, duplicate or rejected")
    reconnection_instance: int | None = Field(None, description="a paid-up customer's reconnection the result let "
                                                                "start (final stages)")


class ItemRefused(Answer):
    """A batch's item that was not taken; the others go on regardless."""

    ok: Literal[False]
    status: int = Field(description="the item's own refusal (4xx), or 500")
    error: str
    errors: dict[str, str] = Field(default_factory=dict, description="field → what is wrong with it")


class PaymentTaken(PaymentOutcome):
    model_config = ConfigDict(json_schema_extra={"examples": [{"ok": True, **PAYMENT_OUTCOME}]})

    ok: Literal[True]


class PaymentRefused(ItemRefused):
    payment_id: str | None


class ReversalTaken(ReversalOutcome):
    model_config = ConfigDict(json_schema_extra={"examples": [{"ok": True, **REVERSAL_OUTCOME}]})

    ok: Literal[True]


class ReversalRefused(ItemRefused):
    payment_id: str | None


class ResultTaken(ResultOutcome):
    model_config = ConfigDict(json_schema_extra={"examples": [{"ok": True, **RESULT_OUTCOME}]})

    ok: Literal[True]


class ResultRefused(ItemRefused):
    result_id: str | None


def _batch_example(taken: dict[str, Any], id_field: str, what: str) -> Any:
    """A batch of two: one taken, one refused."""
    refused = {"ok": False, id_field: "X-2", "status": 400, "error": f"unknown field(s) in {what}: 'colour'",
               "errors": {"colour": "unknown field"}}
    return [{"ok": True, **taken}, refused]


class PaymentsAnswer(RootModel[PaymentOutcome | list[PaymentTaken | PaymentRefused]]):
    """The outcome (one payment) or the outcomes (a batch), in order."""

    model_config = ConfigDict(json_schema_extra={"examples": [
        PAYMENT_OUTCOME, _batch_example(PAYMENT_OUTCOME, "payment_id", "payment")]})


class ReversalsAnswer(RootModel[ReversalOutcome | list[ReversalTaken | ReversalRefused]]):
    """The outcome (one reversal) or the outcomes (a batch), in order."""

    model_config = ConfigDict(json_schema_extra={"examples": [
        REVERSAL_OUTCOME, _batch_example(REVERSAL_OUTCOME, "payment_id", "payment reversal")]})


class ResultsAnswer(RootModel[ResultOutcome | list[ResultTaken | ResultRefused]]):
    """The outcome (one result) or the outcomes (a batch), in order."""

    model_config = ConfigDict(json_schema_extra={"examples": [
        RESULT_OUTCOME, _batch_example(RESULT_OUTCOME, "result_id", "head-end result")]})
