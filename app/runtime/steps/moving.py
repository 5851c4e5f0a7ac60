"""Moving running cases from version A of a process to version B (issue 12 item 7).

A dry run reads every active instance of A (its saved state, a chunk at a time, no locks) and
says whether it can move or why not. A move takes the selected instances one by one, **each in
its own transaction**: lock the row, re-check, migrate the workflow with the named action
``app.runtime.migration.move`` (the one replay applies too), save state and version, and record
``instance.moved`` (from, to, who, why) in the instance's history.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.task import TaskState
from sqlalchemy.orm import Session

from app.runtime.actors import Actor
from app.runtime.errors import Conflict, NotFound, RuntimeActionError
from app.runtime.events.history import NewEvent
from app.runtime.migration import Blocker, BlockReason, VersionMove, move
from app.runtime.permissions import Permissions
from app.runtime.steps.core import StepFailed, StepRunner
from app.runtime.steps.step import Step
from app.translations import N_, Text
from storage import version_moves
from storage.statuses import InstanceStatus
from storage.version_moves import ActiveInstance, VersionRef

MOVERS = frozenset({"sysadmin"})
MAX_REASON = 2000
_STATUS_BLOCKERS = {InstanceStatus.SUSPENDED: BlockReason.SUSPENDED, InstanceStatus.INCIDENT: BlockReason.INCIDENT,
                    InstanceStatus.CREATED: BlockReason.NOT_RUNNING}


@dataclass(frozen=True)
class Candidate:
    """An active instance of version A: where its tokens are, and why it cannot move (if so)."""

    instance_id: int
    status: str
    created_at: datetime
    started_by: str
    positions: tuple[str, ...]
    blockers: tuple[Blocker, ...]

    @property
    def can_move(self) -> bool:
        return not self.blockers


@dataclass(frozen=True)
class MoveOutcome:
    instance_id: int
    moved: bool
    blockers: tuple[Blocker, ...] = ()
    error: str | None = None


@dataclass(frozen=True)
class DryRun:
    source: VersionRef
    target: VersionRef
    candidates: list[Candidate] = field(default_factory=list)


class Mover:
    """Dry runs and moves on one runtime; version diffs are kept for the next call."""

    permissions = Permissions()

    def __init__(self, runner: StepRunner) -> None:
        self.runner = runner
        self._plans: dict[tuple[int, int], VersionMove] = {}

    def versions(self, session: Session, process_id: str, from_version: int, to_version: int
                 ) -> tuple[VersionRef, VersionRef]:
        source = version_moves.version_by_number(session, process_id, from_version)
        target = version_moves.version_by_number(session, process_id, to_version)
        for number, found in ((from_version, source), (to_version, target)):
            if found is None:
                raise NotFound(Text(N_("process {process} has no version {number}"), process=repr(process_id),
                                    number=number))
        assert source is not None and target is not None
        if source.id == target.id:
            raise RuntimeActionError("from_version and to_version are the same version; choose two")
        return source, target

    def plan(self, session: Session, source: VersionRef, target: VersionRef) -> VersionMove:
        key = (source.id, target.id)
        if key not in self._plans:
            self._plans[key] = VersionMove(self.runner.version(session, source.id).specs,
                                           self.runner.version(session, target.id).specs)
        return self._plans[key]

    def dry_run(self, process_id: str, from_version: int, to_version: int, actor: Actor,
                chunk: int = 500) -> DryRun:
        """Every active instance of ``from_version`` with whether it can move to ``to_version``."""
        self.permissions.require(actor, MOVERS, "move running cases")
        with self.runner.db.reading() as session:
            source, target = self.versions(session, process_id, from_version, to_version)
            plan, result, after = self.plan(session, source, target), DryRun(source, target), 0
            while rows := version_moves.active_instances(session, source.id, after_id=after, limit=chunk):
                parents = version_moves.with_active_children(session, [row.id for row in rows])
                specs = self.runner.version(session, source.id).specs
                for row in rows:
                    workflow = self.runner.codec.loads(row.state, specs) if row.state else None
                    result.candidates.append(_candidate(row, workflow, plan, row.id in parents))
                after = rows[-1].id
        return result

    def move(self, process_id: str, from_version: int, to_version: int, instance_ids: Sequence[int], reason: str,
             actor: Actor, progress: Callable[[MoveOutcome], None] | None = None) -> list[MoveOutcome]:
        """Move each instance in its own transaction; one that cannot move is reported, not moved."""
        self.permissions.require(actor, MOVERS, "move running cases")
        reason = " ".join((reason or "").split())
        if not reason:
            raise RuntimeActionError("a reason is required")
        if len(reason) > MAX_REASON:
            raise RuntimeActionError(f"the reason is too long (at most {MAX_REASON} characters)")
        with self.runner.db.reading() as session:
            source, target = self.versions(session, process_id, from_version, to_version)
            plan = self.plan(session, source, target)
        outcomes = []
        for instance_id in dict.fromkeys(instance_ids):
            outcome = self._move_one(instance_id, source, target, plan, reason, actor)
            outcomes.append(outcome)
            if progress is not None:
                progress(outcome)
        return outcomes

    def _move_one(self, instance_id: int, source: VersionRef, target: VersionRef, plan: VersionMove, reason: str,
                  actor: Actor) -> MoveOutcome:
        refused: list[Blocker] = []
        try:
            with self.runner.unit() as unit:
                row = self.runner.lock(unit.session, instance_id)
                if row is None or row.process_version_id != source.id:
                    return MoveOutcome(instance_id, False, error=f"instance {instance_id} is not on version "
                                                                 f"{source.version} of {source.process_id}")
                if row.status in _STATUS_BLOCKERS or row.status != InstanceStatus.RUNNING:
                    return MoveOutcome(instance_id, False, (Blocker(_STATUS_BLOCKERS.get(
                        InstanceStatus(row.status), BlockReason.NOT_RUNNING), None, row.status),))
                if version_moves.with_active_children(unit.session, [row.id]):
                    return MoveOutcome(instance_id, False, (Blocker(BlockReason.CHILD_BATCH, None),))

                def act(step: Step) -> None:
                    refused.extend(plan.blockers(step.workflow))
                    if refused:
                        raise Conflict(f"instance {instance_id} cannot move")
                    step.record(moved_event(source, target, reason))
                    move(step, plan)
                    row.process_version_id = target.id
                    version_moves.set_version(unit.session.connection(), row.id, target.id)

                self.runner.step(unit, row, actor, act)
        except Conflict as conflict:
            return MoveOutcome(instance_id, False, tuple(refused), None if refused else str(conflict))
        except StepFailed as failed:
            return MoveOutcome(instance_id, False, error=failed.error)
        return MoveOutcome(instance_id, True)


def moved_event(source: VersionRef, target: VersionRef, reason: str) -> NewEvent:
    return NewEvent("instance.moved", None, {
        "from_version": source.version, "to_version": target.version, "from_deployment_id": source.deployment_id,
        "to_deployment_id": target.deployment_id, "reason": reason,
    })


def _candidate(row: ActiveInstance, workflow: BpmnWorkflow | None, plan: VersionMove, has_children: bool
               ) -> Candidate:
    blockers: list[Blocker] = []
    status = InstanceStatus(row.status)
    if status in _STATUS_BLOCKERS:
        blockers.append(Blocker(_STATUS_BLOCKERS[status], None, row.status))
    if has_children:
        blockers.append(Blocker(BlockReason.CHILD_BATCH, None))
    positions: tuple[str, ...] = ()
    if workflow is not None:
        blockers += plan.blockers(workflow)
        positions = tuple(dict.fromkeys(
            task.task_spec.bpmn_id for task in workflow.get_tasks(state=TaskState.READY | TaskState.WAITING)
            if task.task_spec.bpmn_id is not None))
    return Candidate(row.id, row.status, row.created_at, row.started_by, positions, tuple(blockers))
