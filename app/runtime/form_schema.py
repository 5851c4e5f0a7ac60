"""Forms an analyst writes into the diagram: a user task's ``form`` property holding a JSON Schema.

    <spiffworkflow:property name="form" value='{"type": "object", "required": ["choice"], "properties": {
        "choice": {"type": "string", "enum": ["ok", "redo"], "title": "Decision", "x-title-zh": "决定",
                   "x-labels": {"ok": {"en": "Fine", "zh": "通过"}, "redo": {"en": "Redo", "zh": "重做"}},
                   "x-ui": "radio"},
        "comment": {"type": "string", "title": "Comment", "x-title-zh": "意见", "x-ui": "textarea"}}}'/>

The schema is JSON Schema draft 2020-12 (checked against its metaschema at deploy), read by the kept
``jsonschema`` library; submitted data is validated by the same library and its errors become the
per-field ``FormInvalid`` messages every form shows. What the app can draw is a flat object of
fields, each a string, integer, number or boolean, labelled in both languages:

- ``title`` (English) and ``x-title-zh`` (Chinese): the field's label; ``description`` a line of help;
- ``x-labels``: per ``enum`` value, ``{"en": …, "zh": …}``;
- ``x-ui``: ``textarea`` (a long text), ``radio`` or ``select`` (an ``enum``: buttons or a list; radio
  when unset), ``date`` (a day, sent as ``YYYY-MM-DD``: give the field ``"format": "date"``).

A ``form`` property that is not JSON (``{``…) names one of the app's installed forms instead.
This module imports neither SpiffWorkflow nor Flask: the deploy lint, the runtime and the web app share it.
"""

from __future__ import annotations

import json
import keyword
from collections.abc import Callable, Mapping
from typing import Any

from jsonschema import Draft202012Validator, FormatChecker
from jsonschema.exceptions import SchemaError, ValidationError

FORM_PROPERTY = "form"
UI_HINTS = ("textarea", "radio", "select", "date")
FIELD_TYPES = ("string", "integer", "number", "boolean")
FORM_LEVEL = "form"  # the FormInvalid key of a problem with the whole form, not one field


def is_schema_text(value: str | None) -> bool:
    """Whether a ``form`` property holds a schema (a JSON object) rather than the name of a form."""
    return bool(value) and str(value).lstrip().startswith("{")


def schema_of(properties: Mapping[str, str]) -> dict[str, Any] | None:
    """The task's form schema, or None when its ``form`` names an installed form or is absent.
    Deploy has refused a schema that does not parse; such a value reads as no schema here."""
    text = properties.get(FORM_PROPERTY)
    if not is_schema_text(text):
        return None
    try:
        schema = json.loads(str(text))
    except ValueError:
        return None
    return schema if isinstance(schema, dict) else None


def schema_problem(text: str) -> str | None:
    """Why a ``form`` value is not a form the app can draw and check, or None. The JSON error gives
    its line and column inside the value; a schema error, where in the schema it is."""
    try:
        schema = json.loads(text)
    except json.JSONDecodeError as exc:
        return f"form is not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno} of the value"
    if not isinstance(schema, dict):
        return "form must be a JSON Schema object ({\"type\": \"object\", \"properties\": {…}})"
    try:
        Draft202012Validator.check_schema(schema)
    except SchemaError as exc:
        where = "/" + "/".join(str(part) for part in exc.path) if exc.path else "the top"
        return f"form is not a valid JSON Schema (draft 2020-12): at {where}: {exc.message}"
    return _drawable_problem(schema)


def _drawable_problem(schema: dict[str, Any]) -> str | None:
    if schema.get("type") != "object" or not isinstance(schema.get("properties"), dict) or not schema["properties"]:
        return 'form must be {"type": "object", "properties": {…}} with at least one field'
    for name, field in schema["properties"].items():
        if not name.isidentifier() or keyword.iskeyword(name) or name.startswith("_"):
            return (f"form field {name!r} must be a name the process can use in expressions: letters, digits "
                    "and _, not starting with _ or a digit")
        if not isinstance(field, dict) or field.get("type") not in FIELD_TYPES:
            return f"form field {name!r} must have a type among {', '.join(FIELD_TYPES)}"
        hint = field.get("x-ui")
        if hint is not None and hint not in UI_HINTS:
            return f"form field {name!r} has x-ui {hint!r}; known hints: {', '.join(UI_HINTS)}"
        if hint in ("radio", "select") and not field.get("enum"):
            return f"form field {name!r} is shown as {hint} but has no enum to choose from"
    return None


def schema_errors(schema: dict[str, Any], data: Mapping[str, Any]) -> dict[str, str]:
    """The schema's verdict on ``data``: a message per field (empty: valid)."""
    validator = Draft202012Validator(schema, format_checker=FormatChecker())
    errors: dict[str, str] = {}
    for error in sorted(validator.iter_errors(dict(data)), key=lambda e: list(map(str, e.path))):
        for field, message in _messages(error):
            errors.setdefault(field, message)
    return errors


def _messages(error: ValidationError) -> list[tuple[str, str]]:
    if error.validator == "required" and isinstance(error.instance, dict):
        return [(str(name), "required") for name in error.validator_value if name not in error.instance]
    if error.validator == "additionalProperties" and isinstance(error.instance, dict):
        known = schema_fields(error.schema if isinstance(error.schema, dict) else {})
        return [(str(name), "this form has no such field") for name in error.instance if name not in known]
    field = str(error.path[0]) if error.path else FORM_LEVEL
    value = error.validator_value
    readable: Callable[[], str] | None = {
        "enum": lambda: "choose one of: " + ", ".join(map(str, value)),
        "type": lambda: f"must be {' or '.join(value) if isinstance(value, list) else value}",
        "minLength": lambda: "required" if value == 1 else f"at least {value} characters",
        "maxLength": lambda: f"at most {value} characters",
        "minimum": lambda: f"at least {value}",
        "maximum": lambda: f"at most {value}",
        "format": lambda: f"not a valid {value}" + (" (YYYY-MM-DD)" if value == "date" else ""),
    }.get(str(error.validator))
    return [(field, readable() if readable else error.message)]


def schema_fields(schema: Mapping[str, Any]) -> list[str]:
    """The form's field names, in the schema's order."""
    properties = schema.get("properties")
    return [str(name) for name in properties] if isinstance(properties, dict) else []
