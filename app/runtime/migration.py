"""Moving a running workflow from one version of its process to another: the engine half of
"move running cases" (issue 12 item 7), shared by the durable move and by replay.

``VersionMove`` holds SpiffWorkflow's diff of the two versions' specs (``SpecDiff``, computed once
for any number of workflows); ``blockers`` says why a workflow cannot move (its token on a
removed or changed element, a loop in flight whose structure changed...), and the named action
``move`` migrates it with the engine's own ``migrate_workflow``. Only ``app.runtime`` sees these
engine objects; callers get ``Blocker`` values.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from enum import StrEnum

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from SpiffWorkflow.bpmn.specs.mixins.multiinstance_task import LoopTask, StandardLoopTask
from SpiffWorkflow.bpmn.specs.mixins.subworkflow_task import SubWorkflowTask
from SpiffWorkflow.bpmn.util.diff import SpecDiff, WorkflowDiff, diff_dependencies, migrate_workflow
from SpiffWorkflow.task import Task, TaskState

from app.runtime.compare import registry
from app.runtime.engine.state import SpecPair
from app.runtime.spec_properties import readable_properties
from app.runtime.steps.step import Step

ACTIVE = TaskState.READY | TaskState.WAITING | TaskState.STARTED | TaskState.ERROR
# What may change on a loop while it runs: its policy (how often, until when), not its shape.
LOOP_POLICY = frozenset({"maximum", "condition", "bpmn_name", "documentation"})


class BlockReason(StrEnum):
    NOT_RUNNING = "not_running"  # created but never stepped, or ended meanwhile
    SUSPENDED = "suspended"
    INCIDENT = "incident"  # an open incident: retry or terminate it first
    CHILD_BATCH = "child_batch"  # its children run on their own, on the version they started with
    REMOVED = "removed"  # a token sits on an element the target version removes
    PASSED_REMOVED = "passed_removed"  # the case went through an element the target removes
    CHANGED = "changed"  # a token sits on an element whose properties change
    LOOP = "loop"  # a loop in flight whose structure changes
    MISSING_PROCESS = "missing_process"  # a running subprocess or call activity the target lacks


@dataclass(frozen=True)
class Blocker:
    """Why a workflow cannot move: the reason, the element, and what changed there."""

    reason: BlockReason
    element_id: str | None
    detail: str = ""


@dataclass(frozen=True)
class _Part:
    """One (sub)workflow of an instance with its diff and its spec in the target version."""

    workflow: BpmnWorkflow
    spec_diff: SpecDiff | None
    diff: WorkflowDiff | None
    owner: Task | None  # the task running the subworkflow (None: the top workflow)


class VersionMove:
    """From the specs of version A to those of version B: diffed once, applied to many workflows."""

    def __init__(self, source: SpecPair, target: SpecPair) -> None:
        self.source, self.target = source, target
        self._top = SpecDiff(registry(), source[0], target[0])
        self._dependencies, _ = diff_dependencies(registry(), source[1], target[1])
        self._last: tuple[BpmnWorkflow, list[_Part]] | None = None

    def blockers(self, workflow: BpmnWorkflow) -> list[Blocker]:
        """Why ``workflow`` (of version A) cannot move to B; empty if it can."""
        found: dict[tuple[BlockReason, str | None], Blocker] = {}
        for part in self.parts(workflow):
            for blocker in _part_blockers(part):
                found.setdefault((blocker.reason, blocker.element_id), blocker)
        return list(found.values())

    def forget(self) -> None:
        """Drop the diff kept of the last workflow checked (it is being migrated)."""
        self._last = None

    def parts(self, workflow: BpmnWorkflow) -> list[_Part]:
        """The workflow and each of its subworkflows with its diff (kept for the move that follows a
        check of the same workflow: the diff of a workflow is the costly half of a move)."""
        last = self._last  # one read: another thread may check another workflow meanwhile
        if last is not None and last[0] is workflow:
            return last[1]
        parts = [_Part(workflow, self._top, WorkflowDiff(workflow, self._top), None)]
        for task_id, subworkflow in workflow.subprocesses.items():
            spec_diff = self._dependencies.get(subworkflow.spec.name)
            diff = WorkflowDiff(subworkflow, spec_diff) if spec_diff is not None else None
            parts.append(_Part(subworkflow, spec_diff, diff, workflow.get_task_from_id(task_id)))
        self._last = (workflow, parts)
        return parts

def move(step: Step, plan: VersionMove) -> None:
    """Migrate the step's workflow to the plan's target version (the caller checked ``blockers``).

    SpiffWorkflow's ``migrate_workflow`` re-aligns every task on the new specs and re-predicts the
    branches of waiting and ready tasks. Three things it leaves to us: a timer already running
    keeps its due time (a reset would restart it at the move); loops and subworkflows listen to
    the new specs (as the engine's deserializer connects them); and predicted tasks of elements
    the new version removed are dropped (their parents predict the new branch instead).
    """
    workflow = step.workflow
    running_timers = [(task, dict(task.internal_data)) for task in workflow.get_tasks(state=TaskState.WAITING)
                      if isinstance(getattr(task.task_spec, "event_definition", None), TimerEventDefinition)]
    parts = plan.parts(workflow)
    plan.forget()
    for part in parts:
        if part.diff is None:
            continue
        target = plan.target[0] if part.owner is None else plan.target[1][part.workflow.spec.name]
        migrate_workflow(part.diff, part.workflow, target)
    workflow.subprocess_specs = plan.target[1]  # the loop's next iteration, a call: B's specs
    for task, internal_data in running_timers:  # a reset keeps the task (and its id), not its due time
        if task.state == TaskState.WAITING:
            task.internal_data = internal_data
    _listen_to_new_specs(workflow, plan.target)
    for part in parts:
        _drop_stale_predictions(part.workflow)


def _part_blockers(part: _Part) -> Iterator[Blocker]:
    if part.diff is None or part.spec_diff is None:
        if not part.workflow.completed:
            owner = part.owner.task_spec.bpmn_id if part.owner is not None else None
            yield Blocker(BlockReason.MISSING_PROCESS, owner, part.workflow.spec.name)
        return
    for task in part.diff.removed:
        if task.has_state(ACTIVE):
            yield Blocker(BlockReason.REMOVED, task.task_spec.bpmn_id)
        elif task.has_state(TaskState.FINISHED_MASK) and task.task_spec.bpmn_id is not None:
            yield Blocker(BlockReason.PASSED_REMOVED, task.task_spec.bpmn_id)
    for task in part.diff.changed:
        if not task.has_state(ACTIVE):
            continue
        keys = part.spec_diff.changed[task.task_spec]
        if isinstance(task.task_spec, LoopTask):
            if not isinstance(task.task_spec, StandardLoopTask) or set(keys) - LOOP_POLICY:
                yield Blocker(BlockReason.LOOP, task.task_spec.bpmn_id, _what_changed(part, task, keys))
        else:
            yield Blocker(BlockReason.CHANGED, task.task_spec.bpmn_id, _what_changed(part, task, keys))


def _what_changed(part: _Part, task: Task, keys: list[str]) -> str:
    assert part.spec_diff is not None
    new = part.spec_diff.alignment[task.task_spec]
    before, after = readable_properties(registry().convert(task.task_spec), keys), {}
    if new is not None:
        after = readable_properties(registry().convert(new), keys)
    names = [name for name in dict.fromkeys([*before, *after]) if before.get(name) != after.get(name)]
    return ", ".join(names or keys)


def _listen_to_new_specs(workflow: BpmnWorkflow, target: SpecPair) -> None:
    """Loops hear their children end, and running subworkflows report to their task's new spec."""
    for spec in [target[0], *target[1].values()]:
        for task_spec in spec.task_specs.values():
            if isinstance(task_spec, LoopTask):
                child = spec.task_specs[task_spec.task_spec]
                if not child.completed_event.is_connected(task_spec.merge_child):
                    child.completed_event.connect(task_spec.merge_child)
    for task_id, subworkflow in workflow.subprocesses.items():
        task = workflow.get_task_from_id(task_id)
        if isinstance(task.task_spec, SubWorkflowTask):
            subworkflow.completed_event.disconnect_all()
            subworkflow.completed_event.connect(task.task_spec._on_subworkflow_completed, task)


def _drop_stale_predictions(workflow: BpmnWorkflow) -> None:
    for task in list(workflow.tasks.values()):
        if task.id not in workflow.tasks or task.parent is None or not _stale(workflow, task) or _stale(
                workflow, task.parent):
            continue
        parent = task.parent
        workflow._remove_task(task.id)
        if parent.has_state(TaskState.NOT_FINISHED_MASK):
            parent.task_spec._predict(parent, mask=TaskState.NOT_FINISHED_MASK)


def _stale(workflow: BpmnWorkflow, task: Task) -> bool:
    """The task still has a spec of the old version (its element was removed)."""
    return workflow.spec.task_specs.get(task.task_spec.name) is not task.task_spec
