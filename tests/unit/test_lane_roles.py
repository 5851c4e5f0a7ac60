"""Who does a task is its lane's ROLE, recorded by our parser in the task spec (issue 12 item 8):
the lane's name is for people. Diagrams of before (lane name = role id) read as they did."""

from __future__ import annotations

import json

from app.runtime.deployment.bpmn_source import BPMN_NS, SPIFF_NS, read_bpmn
from app.runtime.engine.lanes import LANE_ROLE_EXTENSION, lane_role
from app.runtime.engine.parsing import parse_bundle
from app.runtime.engine.state import StateCodec

DIAGRAM = f"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="{BPMN_NS}" xmlns:spiffworkflow="{SPIFF_NS}" id="d" targetNamespace="http://t">
  <bpmn:process id="main" isExecutable="true">
    <bpmn:laneSet id="ls">
      <bpmn:lane id="lane_approver" name="审批人">
        <bpmn:extensionElements><spiffworkflow:properties>
          <spiffworkflow:property name="role" value="approver" />
        </spiffworkflow:properties></bpmn:extensionElements>
        <bpmn:flowNodeRef>start</bpmn:flowNodeRef>
        <bpmn:flowNodeRef>review</bpmn:flowNodeRef>
        <bpmn:flowNodeRef>inner</bpmn:flowNodeRef>
      </bpmn:lane>
      <bpmn:lane id="lane_old" name="executor">
        <bpmn:flowNodeRef>old_style</bpmn:flowNodeRef>
      </bpmn:lane>
    </bpmn:laneSet>
    <bpmn:startEvent id="start"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="review" />
    <bpmn:userTask id="review"><bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing></bpmn:userTask>
    <bpmn:sequenceFlow id="f2" sourceRef="review" targetRef="inner" />
    <bpmn:subProcess id="inner"><bpmn:incoming>f2</bpmn:incoming><bpmn:outgoing>f3</bpmn:outgoing>
      <bpmn:startEvent id="inner_start"><bpmn:outgoing>i1</bpmn:outgoing></bpmn:startEvent>
      <bpmn:sequenceFlow id="i1" sourceRef="inner_start" targetRef="inner_task" />
      <bpmn:userTask id="inner_task"><bpmn:incoming>i1</bpmn:incoming><bpmn:outgoing>i2</bpmn:outgoing></bpmn:userTask>
      <bpmn:sequenceFlow id="i2" sourceRef="inner_task" targetRef="inner_end" />
      <bpmn:endEvent id="inner_end"><bpmn:incoming>i2</bpmn:incoming></bpmn:endEvent>
    </bpmn:subProcess>
    <bpmn:sequenceFlow id="f3" sourceRef="inner" targetRef="old_style" />
    <bpmn:userTask id="old_style"><bpmn:incoming>f3</bpmn:incoming><bpmn:outgoing>f4</bpmn:outgoing></bpmn:userTask>
    <bpmn:sequenceFlow id="f4" sourceRef="old_style" targetRef="nowhere" />
    <bpmn:userTask id="nowhere">
      <bpmn:extensionElements><spiffworkflow:{LANE_ROLE_EXTENSION}>sysadmin</spiffworkflow:{LANE_ROLE_EXTENSION}>
      </bpmn:extensionElements>
      <bpmn:incoming>f4</bpmn:incoming><bpmn:outgoing>f5</bpmn:outgoing></bpmn:userTask>
    <bpmn:sequenceFlow id="f5" sourceRef="nowhere" targetRef="end" />
    <bpmn:endEvent id="end"><bpmn:incoming>f5</bpmn:incoming></bpmn:endEvent>
  </bpmn:process>
</bpmn:definitions>
"""


def specs() -> tuple[object, dict[str, object]]:
    parser = parse_bundle({"t.bpmn": read_bpmn("t.bpmn", DIAGRAM.encode())})
    return parser.get_spec("main"), parser.get_subprocess_specs("main")


def test_a_task_keeps_its_lanes_name_and_is_done_by_its_lanes_role() -> None:
    spec, subprocesses = specs()
    review = spec.task_specs["review"]  # type: ignore[attr-defined]
    assert (review.lane, lane_role(review)) == ("审批人", "approver")
    assert lane_role(spec.task_specs["start"]) == "approver"  # type: ignore[attr-defined]
    inner = subprocesses["inner"].task_specs["inner_task"]  # type: ignore[attr-defined]
    assert (inner.lane, lane_role(inner)) == ("审批人", "approver")  # the lane of the subprocess around it


def test_a_lane_of_before_is_its_name_and_a_task_cannot_pose_as_a_lane_role() -> None:
    spec, _ = specs()
    old = spec.task_specs["old_style"]  # type: ignore[attr-defined]
    assert (old.lane, lane_role(old)) == ("executor", "executor")
    nowhere = spec.task_specs["nowhere"]  # type: ignore[attr-defined]
    assert (nowhere.lane, lane_role(nowhere)) == (None, None)
    assert LANE_ROLE_EXTENSION not in nowhere.extensions


def test_the_role_travels_in_the_stored_spec_and_a_spec_stored_before_reads_its_lane_name() -> None:
    codec = StateCodec()
    spec, subprocesses = specs()
    stored = codec.spec_to_json(spec, subprocesses)  # type: ignore[arg-type]
    restored, _ = codec.specs(1, stored)
    assert lane_role(restored.task_specs["review"]) == "approver"
    before = json.loads(stored)  # as deployed before lanes carried roles: no recorded role, lane name = role
    before["spec"]["task_specs"]["old_style"]["extensions"].pop(LANE_ROLE_EXTENSION)
    old, _ = codec.specs(2, json.dumps(before))
    assert lane_role(old.task_specs["old_style"]) == "executor"
