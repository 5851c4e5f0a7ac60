"""Lanes: a human name people read (审批人) and the role that does the work, a property of the lane.

    <bpmn:lane id="lane_approver" name="审批人">
      <bpmn:extensionElements><spiffworkflow:properties>
        <spiffworkflow:property name="role" value="approver"/>
      </spiffworkflow:properties></bpmn:extensionElements> …

A lane without the property whose name is a role id is read as that role (the diagrams of before:
their instances keep running and replaying as they did). SpiffWorkflow's parser copies the lane's
NAME into ``task_spec.lane``; ``LaneRoleProcessParser`` records each task's lane role in the task
spec's extensions as it parses, so the role travels in the serialized spec the runtime steps with,
and a replay, which parses the same stored files through the same parser, sees the same role.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from lxml import etree
from SpiffWorkflow.bpmn.parser.ProcessParser import AdHocParser
from SpiffWorkflow.specs.base import TaskSpec
from SpiffWorkflow.spiff.parser.process import SpiffProcessParser

from app.runtime.deployment.bpmn_source import NSMAP

ROLE_PROPERTY = "role"
# Outside ``properties`` (an analyst's namespace, which a task's own extensions fill) so that nothing
# written on a task can pose as its lane's role: the parser hook always overwrites it.
LANE_ROLE_EXTENSION = "relayflow_lane_role"
# Lanes of the machine's own steps (service tasks, a start only the runtime makes): no person holds it.
SYSTEM_LANE_ROLE = "system"


@dataclass(frozen=True)
class Lane:
    element_id: str | None
    name: str | None
    role_property: str | None  # the lane's ``role`` property as written (None: it has none)
    line: int | None

    @property
    def role(self) -> str | None:
        """The role property, else the name (a diagram of before, whose lane names were role ids)."""
        return self.role_property if self.role_property is not None else self.name


def lane_of(node: etree._Element) -> Lane:
    """A ``bpmn:lane`` element as a Lane."""
    found = node.find("bpmn:extensionElements/spiffworkflow:properties/"
                      f"spiffworkflow:property[@name='{ROLE_PROPERTY}']", NSMAP)
    role = None if found is None else (found.get("value") or "").strip()
    return Lane(node.get("id"), node.get("name"), role, node.sourceline)


def lanes_in(tree: etree._ElementTree | etree._Element) -> list[Lane]:
    """Every lane of the document, in document order (nested lanes included)."""
    return [lane_of(node) for node in tree.iterfind(".//bpmn:lane", NSMAP)]


def lanes_by_node(tree: etree._ElementTree | etree._Element) -> dict[str, Lane]:
    """Flow node id → its lane: the lane whose ``flowNodeRef`` names it, or else the lane of the
    nearest subprocess around it (SpiffWorkflow gives an embedded subprocess's tasks its lane)."""
    referenced: dict[str, Lane] = {}
    for node in tree.iterfind(".//bpmn:lane", NSMAP):
        lane = lane_of(node)
        for ref in node.iterfind("bpmn:flowNodeRef", NSMAP):
            if ref.text:
                referenced[ref.text.strip()] = lane
    found: dict[str, Lane] = {}
    for element in tree.iterfind(".//bpmn:process//*[@id]", NSMAP):
        for candidate in (element, *element.iterancestors()):
            around = referenced.get(str(candidate.get("id")))
            if around is not None:
                found[str(element.get("id"))] = around
                break
    return found


def lane_role(task_spec: TaskSpec) -> str | None:
    """Who does a task: its lane's role (None: it has no lane, anyone may). A spec parsed before
    lanes carried roles has no recorded role: its lane's name was the role id."""
    if not task_spec.lane:
        return None
    extensions: dict[str, Any] = getattr(task_spec, "extensions", None) or {}
    return str(extensions.get(LANE_ROLE_EXTENSION) or task_spec.lane)


def record_lane_roles(spec: Any, document: etree._ElementTree) -> Any:
    """Write each task's lane role into its spec's extensions (overwriting whatever was there)."""
    lanes = lanes_by_node(document)
    for task_spec in spec.task_specs.values():
        extensions = getattr(task_spec, "extensions", None)
        if not isinstance(extensions, dict):
            continue  # gateways and the library's own joins: nobody does them
        extensions.pop(LANE_ROLE_EXTENSION, None)
        lane = lanes.get(str(getattr(task_spec, "bpmn_id", "") or ""))
        if task_spec.lane and lane is not None and lane.role:
            extensions[LANE_ROLE_EXTENSION] = lane.role
    return spec


class LaneRoleProcessParser(SpiffProcessParser):  # type: ignore[misc]  # the library is untyped
    """SpiffWorkflow's process parser, recording each task's lane role as the spec is built."""

    def get_spec(self) -> Any:
        if self.spec is not None:
            return self.spec
        return record_lane_roles(super().get_spec(), self.node.getroottree())


class LaneRoleAdHocParser(AdHocParser):  # type: ignore[misc]  # the library is untyped
    """The same for an ad-hoc subprocess, which the library parses with a parser of its own."""

    def get_spec(self) -> Any:
        if self.spec is not None:
            return self.spec
        return record_lane_roles(super().get_spec(), self.node.getroottree())
