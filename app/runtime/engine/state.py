"""Instance state <-> JSON, with the process spec stored once per version, never per instance.

SpiffWorkflow's serializer embeds the whole spec in every instance (notes §6). We convert the
spec once at deploy time and keep restored spec objects in a per-process cache keyed by the
immutable process-version id; an instance's state holds only its tasks and data.
"""

from __future__ import annotations

import json
from threading import Lock
from typing import Any
from uuid import UUID

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.serializer.default.workflow import BpmnWorkflowConverter, WorkflowConverter
from SpiffWorkflow.bpmn.specs.bpmn_process_spec import BpmnProcessSpec
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG

SpecPair = tuple[BpmnProcessSpec, dict[str, BpmnProcessSpec]]


class _InstanceOnlyConverter(BpmnWorkflowConverter):  # type: ignore[misc]  # the library is untyped
    """The library's workflow converter minus the spec (which we store once, elsewhere)."""

    def to_instance_dict(self, workflow: BpmnWorkflow) -> dict[str, Any]:
        dct: dict[str, Any] = WorkflowConverter.to_dict(self, workflow)
        dct["subprocesses"] = self.mapping_to_dict(workflow.subprocesses)
        dct["bpmn_events"] = self.registry.convert(workflow.bpmn_events)
        return dct

    def from_instance_dict(self, dct: dict[str, Any], specs: SpecPair) -> BpmnWorkflow:
        spec, subprocess_specs = specs
        workflow = BpmnWorkflow(spec, subprocess_specs, deserializing=True)
        workflow.tasks = self.mapping_from_dict(dct["tasks"], UUID, workflow=workflow)
        workflow.task_tree = workflow.tasks.get(UUID(dct["root"]))
        self.set_default_attributes(workflow, dct)
        self.subprocesses_from_dict(dct["subprocesses"], workflow)
        workflow.bpmn_events = self.registry.restore(dct.pop("bpmn_events", []))
        return workflow


class StateCodec:
    """Converts specs and instance state; thread-safe, one per process."""

    def __init__(self) -> None:
        self.registry = BpmnWorkflowSerializer.configure(SPIFF_CONFIG)
        self.serializer = BpmnWorkflowSerializer(self.registry)
        self._converter = _InstanceOnlyConverter(BpmnWorkflow, self.registry)
        self._encoder = self.serializer._encoder_cls
        self._specs: dict[int, SpecPair] = {}
        self._lock = Lock()

    @property
    def format_version(self) -> str:
        return str(self.serializer.VERSION)

    def spec_to_json(self, spec: BpmnProcessSpec, subprocess_specs: dict[str, BpmnProcessSpec]) -> str:
        """The spec of one process version, as stored in ``process_versions.spec_json``."""
        dct = {
            "spec": self.registry.convert(spec),
            "subprocess_specs": {k: self.registry.convert(v) for k, v in subprocess_specs.items()},
            "format": self.format_version,
        }
        return json.dumps(dct, cls=self._encoder)

    def specs(self, version_id: int, spec_json: str) -> SpecPair:
        """Restored spec objects for a process version, converted once per process."""
        cached = self._specs.get(version_id)
        if cached is not None:
            return cached
        dct = json.loads(spec_json)
        pair = (
            self.registry.restore(dct["spec"]),
            {k: self.registry.restore(v) for k, v in dct["subprocess_specs"].items()},
        )
        with self._lock:
            return self._specs.setdefault(version_id, pair)

    def dumps(self, workflow: BpmnWorkflow) -> str:
        # The registry's encoder mode is a flag on a shared object: hold the lock while it is set.
        with self._lock:
            self.registry._encoder_mode = True
            try:
                dct = self._converter.to_instance_dict(workflow)
            finally:
                self.registry._encoder_mode = False
        dct[self.serializer.VERSION_KEY] = self.format_version
        return json.dumps(dct, cls=self._encoder)

    def loads(self, state: str, specs: SpecPair) -> BpmnWorkflow:
        dct = json.loads(state)
        if dct.get(self.serializer.VERSION_KEY) != self.format_version:
            raise ValueError(
                f"instance state is in serializer format {dct.get(self.serializer.VERSION_KEY)!r}, "
                f"this runtime reads {self.format_version!r}: migrate it first"
            )
        dct.pop(self.serializer.VERSION_KEY)
        return self._converter.from_instance_dict(dct, specs)
