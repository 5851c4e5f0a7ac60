"""Compare two versions of a bundle of processes (a draft revision, a deployed version): which
BPMN elements were added, removed or changed, and for a changed one its properties old → new.

The alignment and the list of changed attributes are SpiffWorkflow's own (``SpecDiff`` through
``diff_dependencies``), over the specs the deploy parses and the serializer's converted dicts;
this module only says them in plain values (``app.runtime.spec_properties`` names the
properties) so the web layer never sees an engine object.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from functools import cache

from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.serializer.helpers.registry import DictionaryConverter
from SpiffWorkflow.bpmn.specs.bpmn_process_spec import BpmnProcessSpec
from SpiffWorkflow.bpmn.util.diff import SpecDiff, diff_dependencies
from SpiffWorkflow.specs.base import TaskSpec
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG

from app.runtime.deployment.bpmn_source import read_bpmn
from app.runtime.engine.parsing import parse_bundle
from app.runtime.spec_properties import PropertyChange, property_changes

Specs = Mapping[str, BpmnProcessSpec]  # every process and embedded subprocess of a bundle, by id


class ChangeKind(StrEnum):
    ADDED = "added"
    REMOVED = "removed"
    CHANGED = "changed"


@dataclass(frozen=True)
class ElementDiff:
    """One BPMN element that differs: in which process, what it is, and (changed) how."""

    process_id: str
    element_id: str
    name: str | None
    kind: ChangeKind
    element_type: str
    changes: tuple[PropertyChange, ...] = ()


@dataclass(frozen=True)
class Comparison:
    elements: tuple[ElementDiff, ...]
    processes_added: tuple[str, ...]
    processes_removed: tuple[str, ...]

    def markers(self, side: str) -> dict[str, str]:
        """Element id → kind to colour on side ``a`` (removed, changed) or ``b`` (added, changed)."""
        shown = {ChangeKind.REMOVED, ChangeKind.CHANGED} if side == "a" else {ChangeKind.ADDED, ChangeKind.CHANGED}
        return {diff.element_id: diff.kind.value for diff in self.elements if diff.kind in shown}


@cache
def registry() -> DictionaryConverter:
    """The serializer registry the diff converts specs with (the runtime's own configuration)."""
    return BpmnWorkflowSerializer.configure(SPIFF_CONFIG)


def bundle_specs(files: Mapping[str, bytes]) -> dict[str, BpmnProcessSpec]:
    """Every process spec of a bundle of files, embedded subprocesses included, by id. The deploy's
    own reading and parsing: a bad file raises its ``DeployError``."""
    parser = parse_bundle({name: read_bpmn(name, data) for name, data in sorted(files.items())})
    found: dict[str, BpmnProcessSpec] = {}
    for process_id in parser.get_process_ids():
        found[process_id] = parser.get_spec(process_id)
        found.update(parser.get_subprocess_specs(process_id))
    return found


def compare_specs(a: Specs, b: Specs) -> Comparison:
    """What changed from ``a`` to ``b``, process by process (in ``a``'s order, then ``b``'s new ones)."""
    diffs, added_processes = diff_dependencies(registry(), dict(a), dict(b))
    elements: list[ElementDiff] = []
    for process_id, diff in diffs.items():
        if diff is not None:
            elements += _process_diff(process_id, diff)
    for process_id in added_processes:
        elements += [_element(process_id, spec, ChangeKind.ADDED) for spec in _elements(b[process_id].task_specs)]
    removed = tuple(pid for pid, diff in diffs.items() if diff is None)
    for process_id in removed:
        elements += [_element(process_id, spec, ChangeKind.REMOVED) for spec in _elements(a[process_id].task_specs)]
    return Comparison(tuple(elements), tuple(added_processes), removed)


def _process_diff(process_id: str, diff: SpecDiff) -> list[ElementDiff]:
    found: dict[str, ElementDiff] = {}
    names = {spec.bpmn_id: spec.bpmn_name for spec in [*diff.alignment.values(), *diff.added]
             if spec is not None and spec.bpmn_name}  # a loop's name is on its inner task
    for spec in _elements(diff.removed):
        found[spec.bpmn_id] = _element(process_id, spec, ChangeKind.REMOVED)
    for spec in _elements(diff.added):
        found[spec.bpmn_id] = _element(process_id, spec, ChangeKind.ADDED)
    for spec, keys in diff.changed.items():
        if spec.bpmn_id is None:
            continue  # the engine's own joins and splits: their element says what changed
        new = diff.alignment[spec]
        changes = property_changes(registry().convert(spec), registry().convert(new), keys)
        if not changes:
            continue
        earlier = found.get(spec.bpmn_id)
        merged = (earlier.changes if earlier is not None and earlier.kind == ChangeKind.CHANGED else ()) + changes
        found[spec.bpmn_id] = ElementDiff(process_id, spec.bpmn_id, names.get(spec.bpmn_id), ChangeKind.CHANGED,
                                          _type_of(new), tuple(dict.fromkeys(merged)))
    return sorted(found.values(), key=lambda e: (list(ChangeKind).index(e.kind), e.element_id))


def _elements(specs: object) -> list[TaskSpec]:
    """The specs that are BPMN elements (not the engine's Start/End/joins), one per element id."""
    values = specs.values() if isinstance(specs, Mapping) else specs
    seen: dict[str, TaskSpec] = {}
    for spec in values:  # type: ignore[attr-defined]
        if spec.bpmn_id is not None:
            seen.setdefault(spec.bpmn_id, spec)
    return list(seen.values())


def _element(process_id: str, spec: TaskSpec, kind: ChangeKind) -> ElementDiff:
    return ElementDiff(process_id, spec.bpmn_id, spec.bpmn_name, kind, _type_of(spec))


def _type_of(spec: TaskSpec) -> str:
    return type(spec).__name__
