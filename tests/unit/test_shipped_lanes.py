"""The shipped diagrams' lanes (issue 12 item 8): a name people read, the role as a property, each
flow node in one lane, and lane shapes in the DI (a participant holding horizontal lanes, each lane
containing its flow nodes, none overlapping), so swimlanes show in bpmn-js."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest
from lxml import etree

from app.accounts.roles import ROLES
from app.runtime.deployment.bpmn_source import read_bpmn
from app.runtime.engine.lanes import SYSTEM_LANE_ROLE, lane_role, lanes_in
from app.runtime.engine.parsing import parse_bundle

BPMN_DIR = Path(__file__).resolve().parents[2] / "bpmn"
NS = {"bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL", "bpmndi": "http://www.omg.org/spec/BPMN/20100524/DI",
      "dc": "http://www.omg.org/spec/DD/20100524/DC"}
FILES = ("disconnect.bpmn", "disconnect_customer.bpmn", "reconnect.bpmn")
# Who does each user task: the same roles as when lane names were role ids.
DOERS = {"apply": "applicant", "approve": "approver", "issue": "executor", "confirm_empty": "executor",
         "send_to_archive": "executor", "enter_disconnection": "executor", "on_site": "executor",
         "give_notice": "executor", "supervisor_review": "approver"}
NAMES = {"applicant": "申请人（抄表员）", "approver": "审批人", "executor": "执行人", SYSTEM_LANE_ROLE: "系统"}

Box = tuple[float, float, float, float]


def tree(name: str) -> etree._ElementTree:
    return read_bpmn(name, (BPMN_DIR / name).read_bytes())


def box(document: etree._ElementTree, element_id: str) -> Box:
    [bounds] = document.xpath(f"//bpmndi:BPMNShape[@bpmnElement='{element_id}']/dc:Bounds", namespaces=NS)
    x, y, w, h = (float(bounds.get(k)) for k in ("x", "y", "width", "height"))
    return x, y, x + w, y + h


def inside(inner: Box, outer: Box) -> bool:
    return outer[0] <= inner[0] and outer[1] <= inner[1] and inner[2] <= outer[2] and inner[3] <= outer[3]


@pytest.mark.parametrize("name", FILES)
def test_each_lane_has_a_human_name_and_a_role(name: str) -> None:
    lanes = lanes_in(tree(name))
    assert lanes
    for lane in lanes:
        assert lane.role_property in (*ROLES, SYSTEM_LANE_ROLE), lane
        assert lane.name == NAMES[lane.role_property], lane


@pytest.mark.parametrize("name", FILES)
def test_every_flow_node_is_in_one_lane_and_its_shape_inside_that_lanes_shape(name: str) -> None:
    document = tree(name)
    [process] = document.xpath("//bpmn:process", namespaces=NS)
    [participant] = document.xpath(f"//bpmn:participant[@processRef='{process.get('id')}']", namespaces=NS)
    pool = box(document, participant.get("id"))
    nodes = [n for n in process if isinstance(n.tag, str) and n.get("id") and etree.QName(n).localname
             not in ("laneSet", "sequenceFlow", "extensionElements")]
    lanes = document.xpath("//bpmn:lane", namespaces=NS)
    refs = [ref.text for lane in lanes for ref in lane.iterfind("bpmn:flowNodeRef", NS)]
    assert sorted(refs) == sorted(node.get("id") for node in nodes)  # each in exactly one lane
    boxes = {lane.get("id"): box(document, lane.get("id")) for lane in lanes}
    for lane in lanes:
        shape = document.xpath(f"//bpmndi:BPMNShape[@bpmnElement='{lane.get('id')}']", namespaces=NS)[0]
        assert shape.get("isHorizontal") == "true"
        assert inside(boxes[lane.get("id")], pool)
        for ref in lane.iterfind("bpmn:flowNodeRef", NS):
            assert inside(box(document, ref.text), boxes[lane.get("id")]), (lane.get("name"), ref.text)
    ordered = sorted(boxes.values(), key=lambda b: b[1])
    assert all(upper[3] <= lower[1] for upper, lower in itertools.pairwise(ordered))  # no overlap


def test_who_does_each_user_task_is_unchanged() -> None:
    trees = {name: tree(name) for name in (*FILES, "cut_window.dmn")}
    parser = parse_bundle(trees)
    found = {}
    for process_id in ("disconnect", "disconnect_customer", "reconnect"):
        for spec in (parser.get_spec(process_id), *parser.get_subprocess_specs(process_id).values()):
            for task_spec in spec.task_specs.values():
                if task_spec.manual:
                    found[task_spec.bpmn_id] = lane_role(task_spec)
    assert found == DOERS
