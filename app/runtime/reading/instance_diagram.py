"""An instance's diagram: the BPMN XML its version was deployed with (byte for byte as deployed,
so an old instance keeps showing its old diagram after a redeploy) and the ids to highlight.

Everything comes from the history and the projections; the engine state is never loaded:
- the path taken: every element the history records as completed, and each sequence flow that
  led into an element entered while the flow's source was the most recently completed of its
  possible sources (so a gateway's branch not taken stays plain, a loop's way back lights up);
- the current position (while the instance is active): elements whose last transition left them
  ready or waiting (user tasks, receive tasks, timers), the open user tasks, and the elements of
  open incidents; an embedded subprocess holding any of them counts as where the instance is.
"""

from __future__ import annotations

from dataclasses import dataclass

from lxml import etree
from sqlalchemy.orm import Session

from app.runtime.deployment.bpmn_source import BPMN_NS, NSMAP, DeployError, owner_id, read_bpmn
from app.runtime.engine.parsing import children_processes, process_ids_defined
from app.runtime.errors import NotFound
from app.runtime.events.history import instance_stream
from storage import instance_records
from storage.deployments import stored_files
from storage.instance_records import InstanceRecord
from storage.statuses import ACTIVE_INSTANCE

_ENTERED = ("element.ready", "element.waiting", "element.completed", "element.failed")
_STAYING = ("element.ready", "element.waiting")
_CONTAINERS = {f"{{{BPMN_NS}}}{kind}" for kind in ("subProcess", "transaction", "adHocSubProcess")}


@dataclass(frozen=True)
class Highlights:
    completed: list[str]
    taken_flows: list[str]
    active: list[str]
    tasks: list[str]
    incidents: list[str]
    spawns_children: list[str]


@dataclass(frozen=True)
class Diagram:
    file_name: str
    xml: str
    highlights: Highlights


@dataclass(frozen=True)
class _Graph:
    element_ids: set[str]
    flows: list[tuple[str, str, str]]  # (flow id, source, target)
    containers: dict[str, list[str]]  # element id → the subprocesses around it, innermost first
    spawns_children: list[str]


def diagram_of(session: Session, record: InstanceRecord) -> Diagram:
    """The deployed XML of the instance's version and what to highlight on it."""
    file_name, xml, process = _deployed_process(session, record)
    graph = _graph(process)
    stream = instance_stream(record.id)
    events = instance_records.element_events(session, stream)
    completed, taken = path_taken(events, graph.flows, graph.containers)
    active: set[str] = set()
    tasks: set[str] = set()
    failing: set[str] = set()
    if record.status in ACTIVE_INSTANCE:
        active = {element for element, kind in last_transitions(events).items() if kind in _STAYING}
        tasks = {task.element_id for task in instance_records.open_tasks(session, record.id)}
        failing = {i.element_id for i in instance_records.incidents(session, record.id) if i.open and i.element_id}
    active |= tasks
    active |= {outer for element in active for outer in graph.containers.get(element, [])}
    failing |= {outer for element in failing for outer in graph.containers.get(element, [])}
    known = graph.element_ids
    highlights = Highlights(
        completed=sorted(completed & known), taken_flows=sorted(taken & known), active=sorted(active & known),
        tasks=sorted(tasks & known), incidents=sorted(failing & known), spawns_children=graph.spawns_children)
    return Diagram(file_name, xml, highlights)


def path_taken(events: list[tuple[str, str]], flows: list[tuple[str, str, str]],
               containers: dict[str, list[str]] | None = None) -> tuple[set[str], set[str]]:
    """(elements completed, sequence flows taken) from the element transitions, in order. An
    embedded subprocess is recorded only when it completes: its first inner step enters it."""
    incoming: dict[str, list[tuple[str, str]]] = {}
    for flow_id, source, target in flows:
        incoming.setdefault(target, []).append((flow_id, source))
    completed_at: dict[str, int] = {}
    taken: set[str] = set()
    for position, (kind, element) in enumerate(events):
        if kind not in _ENTERED:
            continue
        for entered in [*reversed((containers or {}).get(element, [])), element]:
            sources = [(completed_at[source], flow_id) for flow_id, source in incoming.get(entered, [])
                       if source in completed_at]
            if sources:
                taken.add(max(sources)[1])
        if kind == "element.completed":
            completed_at[element] = position
    return set(completed_at), taken


def last_transitions(events: list[tuple[str, str]]) -> dict[str, str]:
    """Each element's last recorded transition."""
    return {element: kind for kind, element in events}


def step_names(session: Session, record: InstanceRecord) -> dict[str, str]:
    """Element id → the name its diagram gives it (English, the catalog's msgid), for the steps an
    instance's history names; none if its deployed file cannot be read."""
    try:
        _name, _content, process = _deployed_process(session, record)
    except NotFound:
        return {}
    return {str(node.get("id")): " ".join(str(node.get("name")).split())
            for node in process.iter() if isinstance(node.tag, str) and node.get("id") and node.get("name")}


def _deployed_process(session: Session, record: InstanceRecord) -> tuple[str, str, etree._Element]:
    for file in stored_files(session, record.deployment_id):
        try:
            tree = read_bpmn(file.name, file.data)
        except DeployError:  # deployed files were read the same way; this one is not ours to show
            continue
        if record.process_id in process_ids_defined(tree):
            [process] = tree.xpath("//bpmn:process[@id=$pid]", namespaces=NSMAP, pid=record.process_id)
            return file.name, file.content, process
    raise NotFound(f"the BPMN file of {record.process_id} version {record.version} is not in its deployment")


def _graph(process: etree._Element) -> _Graph:
    element_ids: set[str] = set()
    containers: dict[str, list[str]] = {}
    for node in process.iter():
        if not isinstance(node.tag, str) or etree.QName(node).namespace != BPMN_NS or not node.get("id"):
            continue
        element_ids.add(node.get("id"))
        around = [outer.get("id") for outer in node.iterancestors() if outer.tag in _CONTAINERS]
        if around:
            containers[node.get("id")] = around
    flows = [(flow.get("id"), flow.get("sourceRef"), flow.get("targetRef"))
             for flow in process.iterfind(".//bpmn:sequenceFlow", namespaces=NSMAP)]
    calls = [node.get("id") for node in process.iterfind(".//bpmn:callActivity", namespaces=NSMAP)]
    starts = [owner_id(node) for node, _process in children_processes(etree.ElementTree(process))]
    return _Graph(element_ids, flows, containers, sorted({e for e in [*calls, *starts] if e}))
