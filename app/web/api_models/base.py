"""What every model of the JSON API builds on: a request body (``Body``), query-string arguments
(``Query``), an answer (``Answer``) and the refusal every 4xx is (``Error``)."""

from __future__ import annotations

from typing import Annotated, Any, ClassVar, Literal

from flask_babel import gettext as _
from flask_babel import ngettext
from pydantic import BaseModel, ConfigDict, Field, PlainValidator, StringConstraints, model_validator

from app.web.api_refusals import refusal

MAX_PAGE_SIZE = 200
MAX_PAGE = 1_000_000
TEXT_ARG_MAX = 64  # characters of a text filter in the query string


class Body(BaseModel):
    """A JSON object sent to an endpoint: exactly the fields it documents (another is refused,
    naming it) and each of its own JSON type (``"true"`` is not ``true``)."""

    model_config = ConfigDict(extra="forbid", strict=True)
    # The status of a refused body: 400, or 422 where the endpoint always answered so (the
    # customer archive's fields, the reason of an intervention).
    refusal_status: ClassVar[int] = 400
    # field → the message (an English label, translated) for any refusal of its value
    value_messages: ClassVar[dict[str, str]] = {}


class NoFields(Body):
    """An empty object: the call takes no data."""

    model_config = ConfigDict(json_schema_extra={"examples": [{}]})


class Query(BaseModel):
    """Arguments of the query string, converted (``page=2`` is 2) and trimmed; an empty one counts
    as left out. Arguments the model does not name are someone else's (``lang``) and left alone."""

    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)
    keeps_empty: ClassVar[bool] = False  # True: an empty argument is a value

    @model_validator(mode="before")
    @classmethod
    def _empty_is_left_out(cls, data: Any) -> Any:
        if isinstance(data, dict) and not cls.keeps_empty:
            return {name: value for name, value in data.items() if not (isinstance(value, str) and not value.strip())}
        return data


class DiagramLabels(Query):
    """How a diagram's names are served: as deployed (scripts, the audit's copy), or translated into
    the reader's language (``lang`` / Accept-Language) for the pages' viewer."""

    labels: Literal["deployed", "translated"] = Field(
        "deployed", description="translated: every drawn name in the reader's language (the viewer's label layer); "
                                "a name without a translation stays as written")


class Answer(BaseModel):
    """What an endpoint answers: exactly these fields (the test suite checks every answer of
    every endpoint against its model)."""

    model_config = ConfigDict(extra="forbid", strict=True)


class Error(Answer):
    """A refusal: the message, and for a body that cannot be taken the message per field."""

    model_config = ConfigDict(json_schema_extra={"examples": [
        {"error": "value: must be true or false", "errors": {"value": "must be true or false"}}]})

    error: str
    errors: dict[str, str] = Field(default_factory=dict, description="field → what is wrong with it")


Text = Annotated[str, StringConstraints(max_length=TEXT_ARG_MAX)]  # a text filter of the query string


def clearable(most: int, *, nonempty: bool = False) -> PlainValidator:
    """A text field, trimmed, at most ``most`` characters; ``null`` is the empty text (it clears
    what the field holds), which ``nonempty`` refuses: ``Annotated[str, clearable(500)]``."""
    def take(value: Any) -> str:
        if value is None:
            value = ""
        if not isinstance(value, str):
            raise refusal(_("must be text"))
        value = value.strip()
        if nonempty and not value:
            raise refusal(_("is required"))
        if len(value) > most:
            raise refusal(ngettext("is too long (at most {n} character)", "is too long (at most {n} characters)",
                                   most).format(n=most))
        return value

    documented = Annotated[str, StringConstraints(min_length=int(nonempty), max_length=most)]
    return PlainValidator(take, json_schema_input_type=documented if nonempty else documented | None)


def page_field(*, most: int = MAX_PAGE) -> Any:
    return Field(1, ge=1, le=most, description="page number, from 1")


def size_field(default: int) -> Any:
    return Field(default, ge=1, le=MAX_PAGE_SIZE, description="rows per page")
