"""What the workbench's use cases work with: the database, the clock, the spec codec a deploy
writes with, and the names a deploy checks a diagram against (operators, roles, validators)."""

from __future__ import annotations

from dataclasses import dataclass

from app.accounts.roles import ROLES
from app.clock import Clock
from app.runtime.actors import Actor
from app.runtime.api import Runtime
from app.runtime.engine.state import StateCodec
from app.workbench.refusals import WorkbenchForbidden
from storage.db import Database

ANALYST = "analyst"
SYSADMIN = "sysadmin"
DEPLOYMENTS_STREAM = "deployments"  # the history stream a deploy writes to (app.runtime.deployment.deploy)


@dataclass(frozen=True)
class Workbench:
    db: Database
    clock: Clock
    codec: StateCodec
    operators: frozenset[str]
    roles: frozenset[str]
    validators: frozenset[str]

    @classmethod
    def of(cls, runtime: Runtime) -> Workbench:
        """The workbench of the app's runtime: its handler table's operators, its validators, the roles."""
        return cls(runtime.db, runtime.clock, runtime.codec, frozenset(runtime.handlers), frozenset(ROLES),
                   frozenset(runtime.validators))


def require_role(actor: Actor, role: str, refusal: str) -> None:
    """People need ``role`` (the web checks it first; the use case checks again): else ``refusal``."""
    if not actor.has_role(role):
        raise WorkbenchForbidden(refusal, user=actor.name)
