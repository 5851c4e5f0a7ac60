"""Server-side checks of user-task data, named in the diagram.

A user task may carry ``<spiffworkflow:property name="validator" value="disconnection.application"/>``:
before the task completes, that validator (from an explicit table, like the service-task
handlers) sees the submitted data and the actor, and either returns the data to store (cleaned,
with any warnings added) or raises ``FormInvalid`` with a message per field — then nothing changes.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from app.runtime.actors import Actor
from app.runtime.errors import RuntimeActionError

VALIDATOR_PROPERTY = "validator"


class FormInvalid(RuntimeActionError):
    """The submitted data cannot complete the task; ``errors`` says why, field by field."""

    status_code = 422

    def __init__(self, errors: Mapping[str, str]) -> None:
        super().__init__("; ".join(f"{field}: {message}" for field, message in errors.items()))
        self.errors = dict(errors)


@dataclass(frozen=True)
class FormContext:
    """What a validator may read: the session (read), who submits, when, the task's data, and the
    task's properties in its diagram (policy an analyst sets, such as a batch's size limit). What
    it may set: searchable attributes of the instance (``set_attribute``), saved with the step that
    completes the task, as a service task's are (a check that does not complete saves nothing)."""

    session: Session
    actor: Actor
    now: datetime
    instance_id: int
    task_data: Mapping[str, Any]
    properties: Mapping[str, str] = field(default_factory=dict)
    attributes: dict[str, str | None] = field(default_factory=dict)

    def set_attribute(self, name: str, value: object) -> None:
        """Set (or, with None, clear) a searchable business attribute of the instance."""
        self.attributes[name] = None if value is None else str(value)


Validator = Callable[[FormContext, dict[str, Any]], dict[str, Any]]
