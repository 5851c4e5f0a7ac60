"""The ``spiffworkflow:property`` values a task carries in its diagram, read off its spec (kept
apart from ``app.runtime.forms``, which handlers import and which must not import SpiffWorkflow)."""

from __future__ import annotations

from SpiffWorkflow.specs.base import TaskSpec

from app.runtime.forms import VALIDATOR_PROPERTY


def task_properties(task_spec: TaskSpec) -> dict[str, str]:
    """The ``spiffworkflow:property`` values a task carries in its diagram."""
    properties = (getattr(task_spec, "extensions", None) or {}).get("properties") or {}
    return {str(name): str(value) for name, value in properties.items()}


def validator_name(task_spec: TaskSpec) -> str | None:
    return task_properties(task_spec).get(VALIDATOR_PROPERTY) or None
