"""Issue 5: the timeline the case page's slider indexes (``app.audit.case_timeline``, pure): token
positions and process data as of each event, from the recorded events alone."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from app.audit.case_timeline import DataNames, data_names, element_names, timeline
from app.runtime.deployment.bpmn_source import read_bpmn
from storage.instance_records import EventRecord
from tests.utility import BPMN_DIR

AT = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)


def events(*spec: tuple[str, str | None, dict[str, Any]]) -> list[EventRecord]:
    return [EventRecord(seq, kind, element, "system:test", AT, data)
            for seq, (kind, element, data) in enumerate(spec, start=1)]


def test_tokens_stand_where_an_element_was_entered_and_not_yet_left() -> None:
    frames = timeline(events(
        ("instance.started", None, {"data": {}}),
        ("element.ready", "approve", {}),
        ("element.waiting", "timer", {}),
        ("element.completed", "approve", {}),
        ("element.cancelled", "timer", {}),
        ("element.failed", "send", {}),
        ("incident.opened", "send", {"error": "boom"}),
        ("element.ready", "send", {}),
        ("element.waiting", "await", {}),
        ("instance.terminated", None, {"reason": "r"}),
    )).frames
    assert [f.positions for f in frames] == [
        {}, {"approve": "ready"}, {"approve": "ready", "timer": "waiting"}, {"timer": "waiting"}, {},
        {"send": "failed"}, {"send": "failed"}, {"send": "ready"}, {"send": "ready", "await": "waiting"}, {}]


def test_data_as_of_each_event_holds_only_recorded_inputs_under_the_diagrams_variables() -> None:
    names = DataNames(results={"send": "command"}, messages={"headend_result": "result"})
    found = timeline(events(
        ("instance.started", None, {"data": {"customer_number": "3400000101"}}),
        ("service.called", "send", {"result": {"command_id": "C1", "status": "queued"}}),
        ("message.received", None, {"name": "headend_result", "payload": {"stage": "failed"}}),
        ("element.completed", "await", {}),
        ("service.called", "send", {"result": {"command_id": "C2", "status": "queued"}}),
        ("service.called", "lookup", {"result": {"segment": "S01"}}),  # no result variable: merged in
        ("task.completed", "on_site", {"data": {"note": "fuse"}, "changes": {"note": [None, "fuse"]}}),
        ("message.received", None, {"name": "unnamed", "payload": {"extra": 1}}),
    ), names)
    data = [found.data_at(i) for i in range(len(found.frames))]
    assert data[0] == {"customer_number": "3400000101"}
    assert data[2] == {"customer_number": "3400000101", "command": {"command_id": "C1", "status": "queued"},
                       "result": {"stage": "failed"}}
    assert data[3] is data[2]  # an event without input shares the snapshot before it
    assert data[4]["command"]["command_id"] == "C2" and data[2]["command"]["command_id"] == "C1"
    assert data[7] == {"customer_number": "3400000101", "command": {"command_id": "C2", "status": "queued"},
                       "result": {"stage": "failed"}, "segment": "S01", "note": "fuse", "extra": 1}
    assert len(found.snapshots) == 8  # the empty start and one per event that brought input


def test_first_completion_of_each_element_is_kept_for_the_path_so_far() -> None:
    found = timeline(events(("element.completed", "a", {}), ("element.ready", "b", {}),
                            ("element.completed", "b", {}), ("element.completed", "a", {})))
    assert found.first_completed == {"a": 1, "b": 3}
    assert found.as_json()["frames"][1] == {"seq": 2, "positions": {"b": "ready"}, "data": 0}


def test_the_variables_and_names_come_from_the_deployed_bpmn() -> None:
    tree = read_bpmn("reconnect.bpmn", (BPMN_DIR / "reconnect.bpmn").read_bytes())
    names = data_names(tree)
    assert names.results["send_command"] == "command" and names.results["prepare"] == "customer"
    assert names.messages == {"headend_result": "result"}
    assert element_names(tree)["send_command"] == "Send direct-close command"
