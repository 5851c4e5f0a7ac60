"""The workbench's refusals: each an English sentence marked for the catalog (``N_``) with its
values apart, so the web shows it in the reader's language (``translated``) and the CLI, the logs
and ``str()`` in English. A refusal for a draft's problems carries them (the 422 lists them)."""

from __future__ import annotations

from typing import Any

from app.runtime.errors import Conflict, Forbidden, NotFound, RuntimeActionError
from app.translations import N_


class Refusal:
    """Mixed into a runtime error: the message's template and values."""

    template: str
    values: dict[str, Any]

    def _keep(self, template: str, values: dict[str, Any]) -> str:
        self.template, self.values = template, values
        return template.format(**values)


class WorkbenchForbidden(Refusal, Forbidden):
    def __init__(self, template: str, **values: Any) -> None:
        super().__init__(self._keep(template, values))


class WorkbenchNotFound(Refusal, NotFound):
    def __init__(self, template: str, **values: Any) -> None:
        super().__init__(self._keep(template, values))


class WorkbenchConflict(Refusal, Conflict):
    def __init__(self, template: str, **values: Any) -> None:
        super().__init__(self._keep(template, values))


class WorkbenchInvalid(Refusal, RuntimeActionError):
    """Data that cannot be taken (422), naming the field."""

    status_code = 422

    def __init__(self, field: str, template: str, **values: Any) -> None:
        self.field = field
        super().__init__(self._keep(template, values))


class DraftHasErrors(Refusal, RuntimeActionError):
    """A draft revision whose check found errors cannot be proposed or deployed."""

    status_code = 422

    def __init__(self, problems: list[dict[str, Any]], template: str = N_(
            "The draft has {count} problem(s) the deploy refuses: fix them and save before proposing"),
            **values: Any) -> None:
        self.problems = problems
        super().__init__(self._keep(template, {"count": len(problems), **values}))

