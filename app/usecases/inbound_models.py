"""The items the two machine callbacks take, as pydantic models: billing's payment (``PaymentIn``)
and the head-end's result (``HeadendResultIn``).

Every field is read by the strict readers of ``app.usecases.inbound_fields`` — their messages, each
starting with the field's name — so the model the OpenAPI document shows is the one that
validates. A field the model does not name is refused (``extra="forbid"``). "Now", which bounds
the times, comes in through the validation context: ``PaymentIn.read(payload, now)``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from decimal import Decimal
from typing import Annotated, Any, ClassVar, Literal, Self, TypeVar

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from app.runtime.errors import RuntimeActionError
from app.usecases import inbound_fields as fields
from handlers.headend import MAX_ERROR_TEXT, RELAY_STATES, STAGES

MAX_PAYMENT = Decimal("100000000")  # yuan; beyond it a payload is a mistake, not a payment
UNKNOWN_SHOWN = 200  # characters of the unknown fields' names a refusal quotes
WINDOW = (f"ISO 8601 with a zone (`Z` or `±hh:mm`), ASCII digits, between {fields.OLDEST.days} days ago and "
          f"{int(fields.CLOCK_SKEW.total_seconds() // 60)} minutes ahead of our clock")
T = TypeVar("T")
PAYMENT_EXAMPLE: dict[str, Any] = {"payment_id": "B-20260302-0001", "customer_number": "3400000021",
                                   "amount": "88.50", "paid_at": "2026-03-02T08:55:00+08:00"}
REVERSAL_EXAMPLE: dict[str, Any] = {"payment_id": "B-20260302-0001", "customer_number": "3400000021",
                                    "reversed_at": "2026-03-02T08:58:00+08:00", "reason": "transfer bounced (R01)"}
RESULT_EXAMPLE: dict[str, Any] = {"result_id": "R-20260302-0001", "command_id": "HES-17-3f1c0e9a0000",
                                  "stage": "executed", "relay": "closed", "at": "2026-03-02T08:59:00+08:00",
                                  "error": None}


def _id(longest: int) -> Any:
    """How an identifier is documented: what ``inbound_fields.identifier`` takes."""
    return Annotated[str, StringConstraints(min_length=1, max_length=longest, pattern=r"^\S(.*\S)?$")]


class InboundInvalid(RuntimeActionError):
    """An item that cannot be taken (400): ``str()`` is its first problem, which starts with the
    field's name; ``errors`` holds the problem of each field it names."""

    def __init__(self, message: str, errors: Mapping[str, str] | None = None) -> None:
        super().__init__(message)
        self.errors = dict(errors or {})


def _refused(exc: fields.FieldError, *, missing: tuple[str, ...] = ()) -> PydanticCustomError:
    """A reader's refusal as pydantic's error, its message unchanged (``missing``: the fields a
    refusal of the whole item names as required)."""
    return PydanticCustomError("inbound_field", "{message}", {"message": str(exc), "fields": list(missing)})


def _read(reader: Callable[[Mapping[str, Any], str], T], value: Any, info: ValidationInfo) -> T:
    """``reader`` (an ``inbound_fields`` function bound to its limits) on the value of the field
    being validated."""
    name = info.field_name or ""
    try:
        return reader({name: value}, name)
    except fields.FieldError as exc:
        raise _refused(exc) from None


def _all_given(data: Any, names: tuple[str, ...]) -> Any:
    """Each of ``names`` present and not null or empty, all missing ones named in one message; an
    unknown field is the model's own refusal, reported first."""
    if isinstance(data, Mapping) and set(data) <= set(names):
        try:
            fields.required(data, names)
        except fields.FieldError as exc:
            raise _refused(exc, missing=tuple(name for name in names if data.get(name) in (None, ""))) from None
    return data


def _now(info: ValidationInfo) -> datetime:
    context = info.context or {}
    if not isinstance(context.get("now"), datetime):
        raise TypeError("validate an inbound item with read(payload, now): the time window needs now")
    return context["now"]


class _Inbound(BaseModel):
    """What both items share: every field strictly read, nothing else taken, refusals as
    ``InboundInvalid`` with the readers' messages."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    what: ClassVar[str]  # how a refusal names the item

    @classmethod
    def read(cls, payload: Any, now: datetime) -> Self:
        """The item ``payload`` holds, its times within [now - 90 days, now + 5 minutes]."""
        if not isinstance(payload, Mapping):
            raise InboundInvalid(f"a {cls.what} must be a JSON object")
        try:
            return cls.model_validate(payload, context={"now": now})
        except ValidationError as exc:
            raise cls._refusal(exc) from None

    @classmethod
    def _refusal(cls, exc: ValidationError) -> InboundInvalid:
        """The first problem as the message (unknown fields first: they were always read first),
        and the problem of each field named."""
        unknown: list[str] = []
        problems: dict[str, str] = {}
        first = f"the {cls.what} cannot be read"
        for number, error in enumerate(exc.errors(include_url=False, include_input=False)):
            context = error.get("ctx") or {}
            field = str(error["loc"][0]) if error["loc"] else ""
            if error["type"] == "extra_forbidden":
                unknown.append(field)
                problems.setdefault(field[:64], "unknown field")
                continue
            message = {"inbound_field": str(context.get("message")), "missing": f"{field} is required"}.get(
                error["type"], f"{field} {error['msg']}")
            first = message if number == 0 else first
            for name in context.get("fields") or [field]:
                problems.setdefault(name, message if name == field else f"{name} is required")
        if unknown:
            named = ", ".join(map(repr, sorted(unknown)))
            cut = "…" if len(named) > UNKNOWN_SHOWN else ""
            first = f"unknown field(s) in {cls.what}: {named[:UNKNOWN_SHOWN]}{cut}"
        return InboundInvalid(first, {name: message for name, message in problems.items() if name})


class _OfPayment(_Inbound):
    """What billing's items share: a payment's id and its customer's number, read alike (each
    item declares them, with what they mean for it)."""

    @field_validator("payment_id", mode="plain", json_schema_input_type=_id(64), check_fields=False)
    @classmethod
    def _payment_id(cls, value: Any, info: ValidationInfo) -> str:
        return _read(lambda payload, name: fields.identifier(payload, name, 64), value, info)

    @field_validator("customer_number", mode="plain", json_schema_input_type=_id(32), check_fields=False)
    @classmethod
    def _customer_number(cls, value: Any, info: ValidationInfo) -> str:
        return _read(lambda payload, name: fields.identifier(payload, name, 32), value, info)


class PaymentIn(_OfPayment):
    """One payment from billing."""

    model_config = ConfigDict(json_schema_extra={"examples": [PAYMENT_EXAMPLE]})
    what = "payment"

    payment_id: str = Field(description="billing's id of the payment: the same id again is the same payment (an "
                                        "exact resend answers duplicate; one that differs is a 409); printable "
                                        "characters, no space around them")
    customer_number: str = Field(description="the customer who paid; printable characters, no space around them")
    amount_cents: int = Field(alias="amount", description=(
        f"yuan, > 0 and at most {MAX_PAYMENT}, at most 2 decimals: a JSON number or a plain decimal string (no "
        "exponent, sign, spaces, '_' or non-ASCII digits)"))
    paid_at: datetime = Field(description=WINDOW)

    @model_validator(mode="before")
    @classmethod
    def _every_field_given(cls, data: Any) -> Any:
        return _all_given(data, ("payment_id", "customer_number", "amount", "paid_at"))

    @field_validator("amount_cents", mode="plain", json_schema_input_type=(
        Annotated[float, Field(gt=0, le=int(MAX_PAYMENT))]
        | Annotated[str, StringConstraints(pattern=f"^{fields.PLAIN_DECIMAL.pattern}$")]))
    @classmethod
    def _amount(cls, value: Any, info: ValidationInfo) -> int:
        try:
            return fields.money_cents({"amount": value}, "amount", MAX_PAYMENT)
        except fields.FieldError as exc:
            raise _refused(exc) from None

    @field_validator("paid_at", mode="plain", json_schema_input_type=datetime)
    @classmethod
    def _paid_at(cls, value: Any, info: ValidationInfo) -> datetime:
        now = _now(info)
        return _read(lambda payload, name: fields.instant(payload, name, now), value, info)


class ReversalIn(_OfPayment):
    """Billing reverses a payment it sent before (a bounced transfer, issue 16 item 5)."""

    model_config = ConfigDict(json_schema_extra={"examples": [REVERSAL_EXAMPLE]})
    what = "payment reversal"

    payment_id: str = Field(description="the payment reversed, as billing sent it: a payment is reversed once (the "
                                        "same reversal again answers duplicate)")
    customer_number: str = Field(description="the customer the payment was for (a check: another customer is a 409)")
    reversed_at: datetime = Field(description=WINDOW)
    reason: str = Field(description="why (text, at most 2000 characters; line breaks allowed)")

    @model_validator(mode="before")
    @classmethod
    def _every_field_given(cls, data: Any) -> Any:
        return _all_given(data, ("payment_id", "customer_number", "reversed_at", "reason"))

    @field_validator("reversed_at", mode="plain", json_schema_input_type=datetime)
    @classmethod
    def _reversed_at(cls, value: Any, info: ValidationInfo) -> datetime:
        now = _now(info)
        return _read(lambda payload, name: fields.instant(payload, name, now), value, info)

    @field_validator("reason", mode="plain", json_schema_input_type=Annotated[str, StringConstraints(
        min_length=1, max_length=MAX_ERROR_TEXT)])
    @classmethod
    def _reason(cls, value: Any, info: ValidationInfo) -> str:
        reason = _read(lambda payload, name: fields.text(payload, name, MAX_ERROR_TEXT), value, info)
        if not (reason or "").strip():
            raise _refused(fields.FieldError("reason", "is required"))
        return reason or ""


class HeadendResultIn(_Inbound):
    """One stage of a meter command's result from the head-end: ``accepted`` (the meter took the
    command), then ``executed`` (the relay moved) or ``failed``."""

    model_config = ConfigDict(json_schema_extra={"examples": [RESULT_EXAMPLE]})
    what = "head-end result"

    # In the order they were always checked: a refusal names the first field that fails.
    result_id: str = Field(description="the head-end's id of this result (idempotency); printable characters, no "
                                       "space around them")
    command_id: str = Field(description="the command the result is for")
    stage: str = Field(description="accepted, then executed or failed")
    error: str | None = Field(None, description="why it failed (text; line breaks allowed, no other control "
                                                "characters)")
    relay: str | None = Field(None, description="the relay's state; required when the stage is executed")
    at: datetime = Field(description=WINDOW)
    note: str | None = Field(None, description="what the head-end wants the history to say about it, e.g. why no "
                                               "command was sent (text, as error)")

    @model_validator(mode="before")
    @classmethod
    def _absent_is_null(cls, data: Any) -> Any:
        """A required field left out is read as null: its reader names it as required."""
        if isinstance(data, Mapping):
            return {"result_id": None, "command_id": None, "stage": None, "at": None, **data}
        return data

    @field_validator("result_id", mode="plain", json_schema_input_type=_id(200))
    @classmethod
    def _result_id(cls, value: Any, info: ValidationInfo) -> str:
        return _read(lambda payload, name: fields.identifier(payload, name, 200), value, info)

    @field_validator("command_id", mode="plain", json_schema_input_type=_id(64))
    @classmethod
    def _command_id(cls, value: Any, info: ValidationInfo) -> str:
        return _read(lambda payload, name: fields.identifier(payload, name, 64), value, info)

    @field_validator("stage", mode="plain", json_schema_input_type=Literal[STAGES])  # type: ignore[valid-type]
    @classmethod
    def _stage(cls, value: Any, info: ValidationInfo) -> str:
        stage = _read(lambda payload, name: fields.identifier(payload, name, 16), value, info)
        if stage not in STAGES:
            raise PydanticCustomError("inbound_field", "{message}", {
                "message": f"unknown stage {fields.shown(stage)}; expected one of {', '.join(STAGES)}"})
        return stage

    @field_validator("error", "note", mode="plain", json_schema_input_type=(
        Annotated[str, StringConstraints(max_length=MAX_ERROR_TEXT)] | None))
    @classmethod
    def _text(cls, value: Any, info: ValidationInfo) -> str | None:
        return _read(lambda payload, name: fields.text(payload, name, MAX_ERROR_TEXT), value, info)

    @field_validator("relay", mode="plain", json_schema_input_type=Literal[RELAY_STATES] | None)  # type: ignore[valid-type]
    @classmethod
    def _relay(cls, value: Any) -> str | None:
        if value is not None and value not in RELAY_STATES:
            raise _refused(fields.FieldError("relay", f"must be 'open' or 'closed', not {fields.shown(value)}"))
        return value  # type: ignore[no-any-return]

    @field_validator("at", mode="plain", json_schema_input_type=datetime)
    @classmethod
    def _at(cls, value: Any, info: ValidationInfo) -> datetime:
        now = _now(info)
        return _read(lambda payload, name: fields.instant(payload, name, now), value, info)

    @model_validator(mode="after")
    def _executed_says_the_relay(self) -> Self:
        if self.stage == "executed" and self.relay is None:
            raise PydanticCustomError("inbound_field", "{message}", {
                "message": "an executed result must say the relay state ('open' or 'closed')"})
        return self

    def as_recorded(self) -> dict[str, Any]:
        """The result as it is recorded on its command and delivered to its instance: ``at`` as UTC text;
        a ``note`` only when there is one."""
        return {"result_id": self.result_id, "command_id": self.command_id, "stage": self.stage,
                "relay": self.relay, "at": self.at.astimezone(UTC).isoformat(), "error": self.error,
                **({"note": self.note} if self.note else {})}
