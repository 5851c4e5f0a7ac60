"""Errors a caller can act on: each maps to a clear 4xx message, never a stack trace."""

from __future__ import annotations

from app.translations import N_

# Refusals several places give, in one wording (``app.translations.Text`` fills them in)
NOT_OPEN = N_("task {task} is not open (completed, cancelled or never existed)")
NO_INSTANCE = N_("instance {instance} does not exist")


class RuntimeActionError(Exception):
    """Base class: the action was refused and nothing was changed."""

    status_code = 400


class NotFound(RuntimeActionError):
    status_code = 404


class Forbidden(RuntimeActionError):
    status_code = 403


class Conflict(RuntimeActionError):
    """The action clashes with the current state (task claimed by someone else, instance ended...)."""

    status_code = 409
