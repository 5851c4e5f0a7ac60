"""What a task form is made of, and the datetime-local field conversions its fields share.

A form turns the browser's fields into the data the task's validator takes (``parse``), fills
its fields in for a first visit (``defaults``) and gathers what the person needs to decide
(``context``). Every form's data has the validator's shape, so the HTML form and the JSON API
send the runtime the same thing, and the same validator judges both.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session
from werkzeug.datastructures import MultiDict

from app.rules.beijing import BEIJING
from app.runtime.actors import Actor
from app.web.api_models.task_forms import FormData
from app.web.task_form_context import TaskView

INPUT_FORMAT = "%Y-%m-%dT%H:%M"  # <input type="datetime-local">, Beijing time


@dataclass(frozen=True)
class FormRequest:
    """One rendering of a form: the task, who looks, when, the values in the fields, the raw inputs."""

    session: Session
    view: TaskView
    actor: Actor
    now: datetime
    data: dict[str, Any]
    inputs: Mapping[str, str]


@dataclass(frozen=True)
class TaskForm:
    key: str  # the validator (or ``form`` property) it serves
    template: str
    model: type[FormData]  # the fields the JSON API takes (the validator judges their values)
    parse: Callable[[MultiDict[str, str]], dict[str, Any]]
    defaults: Callable[[TaskView, datetime], dict[str, Any]]
    context: Callable[[FormRequest], dict[str, Any]]
    data_keys: tuple[str, ...]  # the part of the task's data the form shows
    warning_keys: tuple[str, ...] = ()  # keys of the validated data that hold warnings to show before sending
    warning_templates: tuple[str, ...] = ()  # the English the validator wrote them from (read again when shown)
    actions: tuple[str, ...] = ()  # buttons besides "send" that only re-render (search, check)
    confirm: str | None = None  # asked in the browser before sending

    @property
    def fields(self) -> dict[str, str]:
        """Field → what to send, as the form's model describes it."""
        return {name: info.description or "" for name, info in self.model.model_fields.items()}


def local_input(value: Any) -> str:
    """An ISO time (or datetime) as a datetime-local field's value; anything else as it was typed."""
    when = value if isinstance(value, datetime) else _parse(value)
    if when is None:
        return str(value or "")
    return (when.astimezone(BEIJING) if when.tzinfo else when).strftime(INPUT_FORMAT)


def from_local_input(raw: str | None) -> str:
    """A datetime-local field (Beijing time) as ISO-8601 with its offset; what cannot be read is
    passed on as typed, for the validator to refuse with its own message."""
    text = (raw or "").strip()
    when = _parse(text)
    if when is None:
        return text
    return (when if when.tzinfo else when.replace(tzinfo=BEIJING)).isoformat()


def now_input(now: datetime) -> str:
    """Now, to the minute, as a field's default (never in the future, as validators require)."""
    return now.astimezone(BEIJING).strftime(INPUT_FORMAT)


def _parse(value: Any) -> datetime | None:
    try:
        return datetime.fromisoformat(str(value))
    except ValueError:
        return None
