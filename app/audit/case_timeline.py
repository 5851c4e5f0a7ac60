"""An instance's history as the auditor's timeline (issue 5): for every event k, where the tokens
stood and what the process data was as of that event. Pure: recorded events in, frames out.

- Token positions: the elements entered but not yet left as of event k — an element whose last
  transition is ``element.ready`` or ``element.waiting`` holds a token, one whose last is
  ``element.failed`` holds a stuck one (an incident); ``element.completed`` / ``element.cancelled``
  take it away, and the end of the instance takes all away.
- Process data: only what the history records as coming in — the start data, each user task's
  form data (``task.completed``), each service's result (``service.called``) and each message's
  payload (``message.received``). A result or payload goes under the variable the deployed
  diagram names for it (``resultVariable`` / ``messageVariable``), else it is merged in. Values
  computed by the diagram's own scripts are not inputs and are not shown.

Snapshots of the data are kept once per change; a frame points at its snapshot.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from lxml import etree

from app.runtime.deployment.bpmn_source import NSMAP, owner_id
from storage.instance_records import EventRecord

HOLDING = {"element.ready": "ready", "element.waiting": "waiting", "element.failed": "failed"}
LEAVING = ("element.completed", "element.cancelled")
ENDING = ("instance.completed", "instance.terminated")


@dataclass(frozen=True)
class DataNames:
    """Where the diagram puts recorded inputs: service element id → result variable, message
    name → message variable."""

    results: dict[str, str] = field(default_factory=dict)
    messages: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Frame:
    seq: int
    positions: dict[str, str]  # element id → ready / waiting / failed
    data: int  # index into Timeline.snapshots


@dataclass(frozen=True)
class Timeline:
    frames: list[Frame]
    snapshots: list[dict[str, Any]]
    first_completed: dict[str, int]  # element id → seq of its first element.completed

    def data_at(self, index: int) -> dict[str, Any]:
        return self.snapshots[self.frames[index].data]

    def as_json(self) -> dict[str, Any]:
        return {"frames": [{"seq": f.seq, "positions": f.positions, "data": f.data} for f in self.frames],
                "snapshots": self.snapshots, "first_completed": self.first_completed}


def timeline(events: Iterable[EventRecord], names: DataNames | None = None) -> Timeline:
    """The frames of ``events`` (in seq order), one per event."""
    names = names or DataNames()
    positions: dict[str, str] = {}
    data: dict[str, Any] = {}
    frames: list[Frame] = []
    snapshots: list[dict[str, Any]] = [{}]
    first_completed: dict[str, int] = {}
    for event in events:
        changed = _take_input(data, event, names)
        if changed:
            snapshots.append(_copy(data))
        element = event.element_id
        if element and event.type in HOLDING:
            positions[element] = HOLDING[event.type]
        elif element and event.type in LEAVING:
            positions.pop(element, None)
            if event.type == "element.completed":
                first_completed.setdefault(element, event.seq)
        elif event.type in ENDING:
            positions.clear()
        frames.append(Frame(event.seq, dict(positions), len(snapshots) - 1))
    return Timeline(frames, snapshots, first_completed)


def _take_input(data: dict[str, Any], event: EventRecord, names: DataNames) -> bool:
    """Add the event's recorded input to ``data``; True if it brought any."""
    recorded = event.data
    if event.type == "instance.started":
        return _merge(data, recorded.get("data"))
    if event.type == "task.completed":
        return _merge(data, recorded.get("data"))
    if event.type == "service.called":
        return _place(data, names.results.get(event.element_id or ""), recorded.get("result"))
    if event.type == "message.received":
        return _place(data, names.messages.get(str(recorded.get("name"))), recorded.get("payload"))
    return False


def _place(data: dict[str, Any], variable: str | None, value: Any) -> bool:
    if variable:
        data[variable] = value
        return True
    return _merge(data, value)


def _merge(data: dict[str, Any], value: Any) -> bool:
    if not isinstance(value, dict) or not value:
        return False
    data.update(value)
    return True


def _copy(value: Any) -> Any:
    """A deep copy of JSON-shaped data (later inputs must not change an earlier snapshot)."""
    if isinstance(value, dict):
        return {key: _copy(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_copy(item) for item in value]
    return value


def data_names(tree: etree._ElementTree) -> DataNames:
    """The result and message variables a deployed BPMN file names."""
    results = {}
    for operator in tree.iterfind(".//spiffworkflow:serviceTaskOperator", namespaces=NSMAP):
        owner, variable = owner_id(operator), operator.get("resultVariable")
        if owner and variable:
            results[owner] = variable
    message_names = {node.get("id"): node.get("name") for node in tree.iterfind(".//bpmn:message", namespaces=NSMAP)}
    messages = {}
    for node in tree.xpath("//*[@messageRef]"):
        owner = node if node.get("id") and not node.tag.endswith("EventDefinition") else node.getparent()
        variable = owner.findtext(".//spiffworkflow:messageVariable", namespaces=NSMAP) if owner is not None else None
        name = message_names.get(node.get("messageRef"))
        if name and variable and variable.strip():
            messages[name] = variable.strip()
    return DataNames(results, messages)


def element_names(tree: etree._ElementTree) -> dict[str, str]:
    """Element id → the name the analyst gave it, for every named BPMN element with an id."""
    return {str(node.get("id")): " ".join(str(node.get("name")).split())
            for node in tree.xpath("//bpmn:*[@id and @name]", namespaces=NSMAP)}
