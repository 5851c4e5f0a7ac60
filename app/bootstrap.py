"""The composition root's product: every long-lived object the app, CLI and worker share."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from app.accounts.roles import ROLES
from app.audit.seals import Sealer
from app.clock import Clock
from app.runtime.actors import Actor
from app.runtime.api import Runtime
from app.runtime.deployment.deploy import DeployedBundle, deploy, seed
from app.runtime.events.outbox import OutboxAdapter, OutboxDispatcher, Receipt
from app.runtime.forms import Validator
from app.runtime.inbox import Inbox
from app.runtime.steps.core import TerminationHook
from storage.db import Database


@dataclass
class Services:
    db: Database
    clock: Clock
    runtime: Runtime
    inbox: Inbox
    dispatcher: OutboxDispatcher
    sealer: Sealer | None = None  # the global chain (set by ``create_app``, which knows where its files go)

    def deploy_files(self, files: Mapping[str, bytes], actor: Actor) -> list[DeployedBundle]:
        """Make the files what new instances start (re-deploying earlier content rolls back to it)."""
        return self._write(deploy, files, actor)

    def deploy_directory(self, directory: str | Path, actor: Actor) -> list[DeployedBundle]:
        return self.deploy_files(bpmn_files(directory), actor)

    def seed_directory(self, directory: str | Path, actor: Actor) -> list[DeployedBundle]:
        """Deploy the directory's processes that have no version yet; change nothing that runs."""
        return self._write(seed, bpmn_files(directory), actor)

    def _write(self, how: Callable[..., list[DeployedBundle]], files: Mapping[str, bytes],
               actor: Actor) -> list[DeployedBundle]:
        if not files:
            return []
        with self.db.transaction() as session:
            return how(session, self.runtime.codec, self.clock, actor, files, operators=self.runtime.handlers.keys(),
                       roles=ROLES, validators=self.runtime.validators.keys())


def bpmn_files(directory: str | Path) -> dict[str, bytes]:
    """The ``*.bpmn`` files of a directory, by name."""
    return {path.name: path.read_bytes() for path in sorted(Path(directory).glob("*.bpmn"))}


def build_services(db: Database, clock: Clock, handlers: Mapping[str, object],
                   adapters: Mapping[str, OutboxAdapter], *, live_cache_size: int = 512,
                   validators: Mapping[str, Validator] | None = None,
                   receipts: Mapping[str, Receipt] | None = None,
                   termination_hooks: Sequence[TerminationHook] = ()) -> Services:
    runtime = Runtime(db, handlers, clock=clock, live_cache_size=live_cache_size,  # type: ignore[arg-type]
                      validators=validators, termination_hooks=termination_hooks)
    return Services(db, clock, runtime, Inbox(db, clock), OutboxDispatcher(db, adapters, clock, receipts=receipts))
