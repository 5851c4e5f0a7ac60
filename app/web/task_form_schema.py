"""The generic "schema" form: a user task whose diagram writes its form as a JSON Schema
(``app.runtime.form_schema``) gets a page drawn from it, in the reader's language, and its API
takes exactly the schema's fields. No Python is written per form: the schema is the form."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from pydantic import create_model
from werkzeug.datastructures import MultiDict

from app.runtime.form_schema import schema_fields, schema_of
from app.web.api_models.task_forms import FormData
from app.web.i18n import current_language
from app.web.task_form_context import TaskView
from app.web.task_form_kinds import TaskForm

KEY = "schema"
_NUMBERS = {"integer": int, "number": float}


@dataclass(frozen=True)
class Field:
    """One field as the page draws it."""

    name: str
    kind: str  # text | textarea | radio | select | date | checkbox | integer | number
    label: str
    help: str
    required: bool
    options: list[tuple[str, str]]  # (value, label) of an enum


def schema_form(view: TaskView) -> TaskForm | None:
    """The task's form drawn from its schema, or None when its diagram writes none."""
    schema = schema_of(view.properties)
    if schema is None:
        return None
    names = schema_fields(schema)
    return TaskForm(
        key=KEY, template="task_forms/schema.html", model=fields_model(schema),
        parse=lambda inputs: parse(schema, inputs),
        defaults=lambda task, now: _defaults(schema),
        context=lambda request: {"fields": [asdict(field) for field in fields(schema, current_language())]},
        data_keys=tuple(key for key in view.data if key not in names),
    )


def fields_model(schema: dict[str, Any]) -> type[FormData]:
    """The body the API takes: exactly the schema's fields (another is a 400 naming it); the
    schema, not this model, judges what they hold."""
    properties: dict[str, Any] = schema["properties"]
    model: type[FormData] = create_model(
        "SchemaForm", __base__=FormData, **{name: (Any, None) for name in schema_fields(schema)})  # type: ignore[call-overload]
    model.__doc__ = "The fields of the form, as its diagram's JSON Schema describes them."
    for name in schema_fields(schema):
        model.model_fields[name].description = str(properties[name].get("title") or name)
    return model


def parse(schema: dict[str, Any], inputs: MultiDict[str, str]) -> dict[str, Any]:
    """The browser's fields as the schema's JSON types; an empty field is left out (so a required
    one is refused as missing); a number that does not read is passed on for the schema to refuse."""
    data: dict[str, Any] = {}
    for name, field in schema["properties"].items():
        kind = field.get("type")
        if kind == "boolean":
            data[name] = inputs.get(name) in ("on", "true", "1")
            continue
        raw = (inputs.get(name) or "").strip()
        if not raw:
            continue
        try:
            data[name] = _NUMBERS[kind](raw) if kind in _NUMBERS else raw
        except ValueError:
            data[name] = raw
    return data


def fields(schema: dict[str, Any], language: str) -> list[Field]:
    required = set(schema.get("required") or [])
    return [_field(name, spec, name in required, language) for name, spec in schema["properties"].items()]


def _field(name: str, spec: dict[str, Any], required: bool, language: str) -> Field:
    labels = spec.get("x-labels") or {}
    options = [(str(value), _label(labels.get(value) or {}, language) or str(value))
               for value in spec.get("enum") or []]
    title = spec.get("x-title-zh") if language == "zh" and spec.get("x-title-zh") else spec.get("title")
    return Field(name, _kind(spec), str(title or name), str(spec.get("description") or ""), required, options)


def _kind(spec: dict[str, Any]) -> str:
    hint = spec.get("x-ui")
    if spec.get("type") == "boolean":
        return "checkbox"
    if spec.get("enum"):
        return "select" if hint == "select" else "radio"
    if hint in ("textarea", "date"):
        return str(hint)
    if spec.get("format") == "date":
        return "date"
    return str(spec["type"]) if spec.get("type") in _NUMBERS else "text"


def _label(labels: dict[str, Any], language: str) -> str:
    return str(labels.get(language) or labels.get("en") or "")


def _defaults(schema: dict[str, Any]) -> dict[str, Any]:
    return {name: spec["default"] for name, spec in schema["properties"].items() if "default" in spec}
