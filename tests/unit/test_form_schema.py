"""Submitted data judged by a task's JSON Schema form: one message per field, in words a person acts on."""

from __future__ import annotations

from app.runtime.form_schema import schema_errors, schema_of

SCHEMA = {"type": "object", "required": ["choice", "on"], "additionalProperties": False, "properties": {
    "choice": {"type": "string", "enum": ["ok", "redo"]},
    "on": {"type": "string", "format": "date"},
    "count": {"type": "integer", "minimum": 1, "maximum": 9},
    "note": {"type": "string", "maxLength": 5},
}}


def test_valid_data_has_no_errors() -> None:
    assert schema_errors(SCHEMA, {"choice": "ok", "on": "2026-03-02", "count": 3, "note": "fine"}) == {}


def test_each_field_gets_its_own_message() -> None:
    errors = schema_errors(SCHEMA, {"choice": "maybe", "on": "2026-13-40", "count": "3", "note": "too long",
                                    "extra": 1})
    assert errors == {"choice": "choose one of: ok, redo", "on": "not a valid date (YYYY-MM-DD)",
                      "count": "must be integer", "note": "at most 5 characters",
                      "extra": "this form has no such field"}
    assert schema_errors(SCHEMA, {"count": 0}) == {"choice": "required", "on": "required", "count": "at least 1"}


def test_a_form_property_naming_an_installed_form_is_no_schema() -> None:
    assert schema_of({"form": "disconnection.approval"}) is None
    assert schema_of({"form": ' {"type": "object", "properties": {}}'}) == {"type": "object", "properties": {}}
    assert schema_of({}) is None
