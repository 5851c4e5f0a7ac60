"""Lanes at deploy: each lane's role must be a role; a lane that names its role by its name (the
diagrams of before) still deploys, with a warning saying how to give it a name people read."""

from __future__ import annotations

from collections.abc import Collection

from lxml import etree

from app.runtime.deployment.bpmn_source import NSMAP, DeployProblem, owner_id
from app.runtime.engine.lanes import ROLE_PROPERTY, SYSTEM_LANE_ROLE, Lane, lane_of, lanes_by_node

_PEOPLES_TASKS = ("userTask", "manualTask")


def lane_problems(name: str, tree: etree._ElementTree, roles: Collection[str]) -> list[DeployProblem]:
    """Errors: a lane whose role is no role, and a person's task in the system's lane."""
    known = ", ".join(sorted(roles))
    problems = []
    for node in tree.iterfind(".//bpmn:lane", NSMAP):
        lane = lane_of(node)
        message = _lane_message(lane, roles, known)
        if message:
            problems.append(DeployProblem(name, lane.line, lane.element_id, message))
    lanes = lanes_by_node(tree)
    for kind in _PEOPLES_TASKS:
        for task in tree.iterfind(f".//bpmn:{kind}", NSMAP):
            its_lane = lanes.get(str(task.get("id")))
            if its_lane is not None and its_lane.role == SYSTEM_LANE_ROLE:
                problems.append(DeployProblem(name, task.sourceline, owner_id(task), (
                    f"{_what(task)} is in the lane {_label(its_lane)}, whose role is {SYSTEM_LANE_ROLE!r}: "
                    f"nobody could do it; move it to a lane whose role is one of: {known}")))
    return problems


def lane_warnings(name: str, tree: etree._ElementTree, roles: Collection[str]) -> list[DeployProblem]:
    """A lane without a role property whose name is a role id: it works, but people read the id."""
    warnings = []
    for node in tree.iterfind(".//bpmn:lane", NSMAP):
        lane = lane_of(node)
        if lane.role_property is None and lane.name in roles:
            warnings.append(DeployProblem(name, lane.line, lane.element_id, (
                f"lane {lane.name!r} names its role by its name; give it a name people read and the role as "
                f'a property: <bpmn:lane id="{lane.element_id}" name="…"><bpmn:extensionElements>'
                f'<spiffworkflow:properties><spiffworkflow:property name="{ROLE_PROPERTY}" value="{lane.name}"/>'
                "</spiffworkflow:properties></bpmn:extensionElements>…"), severity="warning"))
    return warnings


def _lane_message(lane: Lane, roles: Collection[str], known: str) -> str | None:
    allowed = f"{known} (or {SYSTEM_LANE_ROLE} for the machine's own steps)"
    if lane.role_property is not None:
        if not lane.role_property:
            return f"lane {_label(lane)} has an empty {ROLE_PROPERTY} property; roles: {allowed}"
        if lane.role_property not in roles and lane.role_property != SYSTEM_LANE_ROLE:
            return f"lane {_label(lane)} has the role {lane.role_property!r}, which is not a role; roles: {allowed}"
        return None
    if not lane.name:
        return f"lane has no name and no {ROLE_PROPERTY} property; give it a name and a role: {allowed}"
    if lane.name not in roles:
        return (f"lane {_label(lane)} has no {ROLE_PROPERTY} property and its name is not a role: "
                f'add <spiffworkflow:property name="{ROLE_PROPERTY}" value="…"/> with one of: {allowed}')
    return None


def _label(lane: Lane) -> str:
    return repr(lane.name) if lane.name else f"{lane.element_id!r} (no name)"


def _what(task: etree._Element) -> str:
    label = f" {task.get('name')!r}" if task.get("name") else ""
    return f"{etree.QName(task).localname}{label}"
