"""Deployments: check BPMN files, then store each bundle once and make its versions current.

The unit is the bundle of files that call each other, hashed together; a new hash is a new
version of every process in it. The database is the source of truth for what runs (ARCHITECTURE
"Deployments"): ``deploy`` makes the files current — re-deploying the content of an earlier
version makes it current again as a new version on the same stored files — and ``seed`` (what
``bpmn/`` does at start) only fills in processes that have no version yet. All files are checked
before anything is written, and all bundles are written in one transaction.
"""

from __future__ import annotations

import hashlib
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field, replace
from typing import Literal

from sqlalchemy.orm import Session

from app.clock import Clock
from app.runtime.actors import Actor
from app.runtime.deployment.bpmn_source import DeployProblem, bpmn_text
from app.runtime.deployment.check import CheckedBundle, check_files
from app.runtime.engine.state import StateCodec
from app.runtime.events import history
from app.runtime.events.history import NewEvent
from storage.deployment_rows import insert_deployment, insert_version
from storage.deployments import (
    RunningVersion,
    add_file,
    deployment_with_hash,
    first_versions_in,
    next_version,
    running_versions,
)
from storage.models import Deployment

STREAM = "deployments"
NEW: Literal["new"] = "new"
UNCHANGED: Literal["unchanged"] = "unchanged"
REDEPLOYED: Literal["redeployed"] = "redeployed"
KEPT: Literal["kept"] = "kept"
Outcome = Literal["new", "unchanged", "redeployed", "kept"]


@dataclass(frozen=True)
class DeployedBundle:
    """What deploying (or seeding) did with one bundle of files."""

    deployment_id: int | None  # None only for a bundle seeding kept out that was never deployed
    files: list[str]
    versions: dict[str, int]  # the version of each process new instances now start
    outcome: Outcome
    redeployed_from: dict[str, int] = field(default_factory=dict)  # process → the earlier version re-deployed
    warnings: list[DeployProblem] = field(default_factory=list)  # what deployed but should change (lint)

    @property
    def new(self) -> bool:
        return self.outcome == NEW

    def summary(self) -> str:
        """One line for the person who deployed."""
        names = ", ".join(self.files)
        versions = ", ".join(
            f"{pid} v{self.redeployed_from[pid]} as v{version}" if pid in self.redeployed_from else f"{pid} v{version}"
            for pid, version in sorted(self.versions.items()))
        if self.outcome == KEPT:
            return (f"{names}: differs from what runs ({versions}), which a restart keeps; "
                    f"`relayflow deploy` the file to make it current")
        label = {NEW: "new deployment", UNCHANGED: "unchanged", REDEPLOYED: "re-deployed"}[self.outcome]
        return f"{names}: {label} #{self.deployment_id} ({versions})"


def bundle_hash(files: Mapping[str, bytes]) -> str:
    digest = hashlib.sha256()
    for name in sorted(files):
        digest.update(f"{name}\0{hashlib.sha256(files[name]).hexdigest()}\n".encode())
    return digest.hexdigest()


def deploy(session: Session, codec: StateCodec, clock: Clock, actor: Actor, files: Mapping[str, bytes], *,
           operators: Collection[str], roles: Collection[str],
           validators: Collection[str] | None = None) -> list[DeployedBundle]:
    """Check every file, then make each bundle what new instances start (in this transaction)."""
    bundles = check_files(files, operators=operators, roles=roles, validators=validators)
    writer = _Writer(session, codec, clock, actor)
    return [replace(writer.deploy(bundle), warnings=bundle.warnings) for bundle in bundles]


def seed(session: Session, codec: StateCodec, clock: Clock, actor: Actor, files: Mapping[str, bytes], *,
         operators: Collection[str], roles: Collection[str],
         validators: Collection[str] | None = None) -> list[DeployedBundle]:
    """Deploy the bundles none of whose processes has a version yet; leave the rest as they run
    (what ``bpmn/`` does on start: a restart never changes the running version)."""
    bundles = check_files(files, operators=operators, roles=roles, validators=validators)
    writer = _Writer(session, codec, clock, actor)
    return [replace(writer.seed(bundle), warnings=bundle.warnings) for bundle in bundles]


@dataclass
class _Writer:
    session: Session
    codec: StateCodec
    clock: Clock
    actor: Actor

    def deploy(self, bundle: CheckedBundle) -> DeployedBundle:
        existing = deployment_with_hash(self.session, bundle_hash(bundle.files))
        if existing is None:
            return self._store_new(bundle)
        running = running_versions(self.session, bundle.process_ids)
        stale = [pid for pid in bundle.process_ids if pid not in running or running[pid].deployment_id != existing.id]
        if not stale:
            return _result(existing.id, bundle, running, UNCHANGED)
        return self._redeploy(bundle, existing, stale, running)

    def seed(self, bundle: CheckedBundle) -> DeployedBundle:
        running = running_versions(self.session, bundle.process_ids)
        if not running:
            return self._store_new(bundle)
        existing = deployment_with_hash(self.session, bundle_hash(bundle.files))
        current = existing is not None and all(
            pid in running and running[pid].deployment_id == existing.id for pid in bundle.process_ids)
        return _result(existing.id if existing is not None else None, bundle, running, UNCHANGED if current else KEPT)

    def _store_new(self, bundle: CheckedBundle) -> DeployedBundle:
        """Store the bundle's files and a version of each of its processes (``bpmn:process`` elements;
        embedded subprocesses travel inside their process's spec)."""
        digest, now = bundle_hash(bundle.files), self.clock.now()
        deployment_id = insert_deployment(self.session, digest, self.actor.name, now)
        for name, data in sorted(bundle.files.items()):
            add_file(self.session, deployment_id, name, data, bpmn_text(data))
        versions = {pid: self._add_version(bundle, deployment_id, pid) for pid in bundle.process_ids}
        history.append(self.session, STREAM, [NewEvent("deployment.created", None, {
            "deployment_id": deployment_id, "bundle_hash": digest, "files": bundle.names, "versions": versions,
        })], actor=self.actor.name, at=now)
        return DeployedBundle(deployment_id, bundle.names, versions, NEW)

    def _redeploy(self, bundle: CheckedBundle, existing: Deployment, stale: list[str],
                  running: dict[str, RunningVersion]) -> DeployedBundle:
        """Make an earlier deployment current again: a new version of each process whose current
        version is not from it, on the files already stored (replay and case files read those)."""
        earlier = first_versions_in(self.session, existing.id)
        versions = {pid: self._add_version(bundle, existing.id, pid) for pid in stale}
        redeployed = {pid: earlier[pid] for pid in stale if pid in earlier}
        history.append(self.session, STREAM, [NewEvent("deployment.redeployed", None, {
            "deployment_id": existing.id, "bundle_hash": existing.bundle_hash, "files": bundle.names,
            "versions": versions, "redeployed": redeployed,
        })], actor=self.actor.name, at=self.clock.now())
        current = {pid: RunningVersion(version, existing.id) for pid, version in versions.items()}
        return _result(existing.id, bundle, {**running, **current}, REDEPLOYED, redeployed)

    def _add_version(self, bundle: CheckedBundle, deployment_id: int, process_id: str) -> int:
        version = next_version(self.session, process_id)
        spec = bundle.parser.get_spec(process_id)
        insert_version(self.session, deployment_id, process_id, version, spec.description,
                       self.codec.spec_to_json(spec, bundle.parser.get_subprocess_specs(process_id)))
        return version


def _result(deployment_id: int | None, bundle: CheckedBundle, running: Mapping[str, RunningVersion],
            outcome: Outcome, redeployed_from: dict[str, int] | None = None) -> DeployedBundle:
    versions = {pid: running[pid].version for pid in bundle.process_ids if pid in running}
    return DeployedBundle(deployment_id, bundle.names, versions, outcome, redeployed_from or {})
