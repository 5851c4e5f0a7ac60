"""The machine callbacks' item models (issue 11 item 6): the model the document shows is the one
that validates — with the strict readers' own messages, "now" from the validation context, and
every field it does not document refused, named."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from pydantic import ValidationError

from app.usecases.inbound_fields import FieldError, money_cents
from app.usecases.inbound_models import (
    MAX_PAYMENT,
    PAYMENT_EXAMPLE,
    RESULT_EXAMPLE,
    HeadendResultIn,
    InboundInvalid,
    PaymentIn,
)

NOW = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)


def refusal(model: type[PaymentIn | HeadendResultIn], payload: Any, now: datetime = NOW) -> InboundInvalid:
    with pytest.raises(InboundInvalid) as refused:
        model.read(payload, now)
    return refused.value


def test_the_examples_are_read() -> None:
    payment = PaymentIn.read(PAYMENT_EXAMPLE, NOW)
    assert (payment.payment_id, payment.customer_number, payment.amount_cents) == ("B-20260302-0001", "3400000021",
                                                                                  8_850)
    assert payment.paid_at == datetime(2026, 3, 2, 0, 55, tzinfo=UTC)
    result = HeadendResultIn.read(RESULT_EXAMPLE, NOW).as_recorded()
    assert result == {**RESULT_EXAMPLE, "at": "2026-03-02T00:59:00+00:00"}


def test_a_field_is_refused_with_the_reader_s_own_message() -> None:
    with pytest.raises(FieldError) as reader:
        money_cents({"amount": "1.234"}, "amount", MAX_PAYMENT)
    refused = refusal(PaymentIn, {**PAYMENT_EXAMPLE, "amount": "1.234"})
    assert str(refused) == str(reader.value) and refused.errors == {"amount": str(reader.value)}


def test_now_comes_from_the_validation_context() -> None:
    later = NOW + timedelta(days=91)
    assert "must lie between" in str(refusal(PaymentIn, PAYMENT_EXAMPLE, later))
    with pytest.raises(TypeError, match="now"):
        PaymentIn.model_validate(PAYMENT_EXAMPLE)


@pytest.mark.parametrize(("model", "example", "what"), [(PaymentIn, PAYMENT_EXAMPLE, "payment"),
                                                         (HeadendResultIn, RESULT_EXAMPLE, "head-end result")])
def test_a_field_it_does_not_document_is_refused_first_and_named(model: Any, example: dict[str, Any],
                                                                 what: str) -> None:
    refused = refusal(model, {**example, "colour": "red", "remark": 1})
    assert str(refused) == f"unknown field(s) in {what}: 'colour', 'remark'"
    assert refused.errors == {"colour": "unknown field", "remark": "unknown field"}
    assert model.model_json_schema()["additionalProperties"] is False
    with pytest.raises(ValidationError):
        model.model_validate({**example, "colour": "red"}, context={"now": NOW})


def test_every_missing_payment_field_is_named_in_one_message() -> None:
    refused = refusal(PaymentIn, {"payment_id": "X", "amount": ""})
    assert str(refused) == "customer_number is required; amount is required; paid_at is required"
    assert set(refused.errors) == {"customer_number", "amount", "paid_at"}


def test_a_head_end_result_keeps_its_messages() -> None:
    assert str(refusal(HeadendResultIn, {})) == "result_id is required and must be a non-empty string"
    assert str(refusal(HeadendResultIn, {**RESULT_EXAMPLE, "stage": "done"})).startswith("unknown stage 'done'")
    executed = refusal(HeadendResultIn, {**RESULT_EXAMPLE, "relay": None})
    assert (str(executed), executed.errors) == ("an executed result must say the relay state ('open' or 'closed')", {})
    assert str(refusal(HeadendResultIn, [RESULT_EXAMPLE])) == "a head-end result must be a JSON object"


def test_the_schema_documents_the_input_the_readers_take() -> None:
    schema = PaymentIn.model_json_schema()
    assert list(schema["properties"]) == ["payment_id", "customer_number", "amount", "paid_at"]
    assert {part["type"] for part in schema["properties"]["amount"]["anyOf"]} == {"number", "string"}
    assert schema["examples"] == [PAYMENT_EXAMPLE]
    stage = HeadendResultIn.model_json_schema()["properties"]["stage"]
    assert stage["enum"] == ["accepted", "executed", "failed"]
