"""Issue 12 item 4: comparing two versions with SpiffWorkflow's spec diff says exactly what an
analyst changed, by element and property, on the shipped bpmn/reconnect.bpmn (M5.2: 3 sends,
2 hours apart) and on edits of it."""

from __future__ import annotations

import re

import pytest

from app.runtime.compare import ChangeKind, bundle_specs, compare_specs
from app.runtime.deployment.bpmn_source import DeployError
from app.runtime.spec_properties import PropertyChange
from tests.utility import BPMN_DIR

RECONNECT = (BPMN_DIR / "reconnect.bpmn").read_bytes()


def specs(data: bytes) -> dict[str, object]:
    return bundle_specs({"reconnect.bpmn": data})  # type: ignore[return-value]


def changes(old: bytes, new: bytes) -> list[tuple[str, str, str, str, str]]:
    found = compare_specs(specs(old), specs(new))  # type: ignore[arg-type]
    return [(e.element_id, e.kind.value, c.name, c.old, c.new) for e in found.elements for c in e.changes] + [
        (e.element_id, e.kind.value, "", "", "") for e in found.elements if not e.changes]


def test_loop_maximum_and_retry_wait_are_exactly_the_two_changes() -> None:
    edited = RECONNECT.replace(b'loopMaximum="3"', b'loopMaximum="4"').replace(b'"PT2H"', b'"PT45M"')
    assert changes(RECONNECT, edited) == [("attempts", "changed", "loop_maximum", "3", "4"),
                                          ("retry_wait", "changed", "timer", "PT2H", "PT45M")]


def test_the_same_files_compare_equal() -> None:
    found = compare_specs(specs(RECONNECT), specs(RECONNECT))  # type: ignore[arg-type]
    assert found.elements == () and found.markers("a") == found.markers("b") == {}


def test_operator_parameters_properties_and_conditions_are_named() -> None:
    edited = (RECONNECT.replace(b'value="PT4H"', b'value="PT2H"')
              .replace(b'<spiffworkflow:parameter id="validity_minutes" type="int" value="30" />',
                       b'<spiffworkflow:parameter id="validity_minutes" type="int" value="45" />')
              .replace(b"customer['auto']</bpmn:conditionExpression>",
                       b"customer['auto'] and customer['online']</bpmn:conditionExpression>")
              .replace(b'serviceTaskOperator id="sms.notify_reader"', b'serviceTaskOperator id="sms.notify_customer"'))
    assert sorted(changes(RECONNECT, edited)) == [
        ("flagged", "changed", "condition:auto_order", "customer['auto']", "customer['auto'] and customer['online']"),
        ("on_site", "changed", "property:due_in", "PT4H", "PT2H"),
        ("send_command", "changed", "parameter:validity_minutes", "30", "45"),
        ("tell_reader", "changed", "operator", "sms.notify_reader", "sms.notify_customer"),
    ]


def without_success_sms(data: bytes) -> bytes:
    """The success SMS (M5.3) taken out: record_remote goes straight to the end."""
    data = re.sub(rb'<bpmn:serviceTask id="tell_customer".*?</bpmn:serviceTask>', b"", data, flags=re.S)
    data = re.sub(rb'<bpmn:sequenceFlow id="f_told"[^>]*/>', b"", data)
    shapes = rb'<bpmndi:BPMN(?:Shape|Edge) [^>]*bpmnElement="(?:tell_customer|f_told)".*?</bpmndi:BPMN(?:Shape|Edge)>'
    data = re.sub(shapes, b"", data, flags=re.S)
    return data.replace(b'targetRef="tell_customer"', b'targetRef="end_remote"').replace(
        b"<bpmn:incoming>f_told</bpmn:incoming>", b"<bpmn:incoming>f_recorded</bpmn:incoming>")


def test_a_removed_element_is_marked_on_the_old_side_and_its_neighbours_as_changed() -> None:
    found = compare_specs(specs(RECONNECT), specs(without_success_sms(RECONNECT)))  # type: ignore[arg-type]
    assert found.markers("a") == {"tell_customer": "removed", "end_remote": "changed", "record_remote": "changed"}
    assert found.markers("b") == {"end_remote": "changed", "record_remote": "changed"}
    [removed] = [e for e in found.elements if e.kind == ChangeKind.REMOVED]
    assert (removed.element_id, removed.name) == ("tell_customer", "SMS: power restored (M5.3)")
    record = next(e for e in found.elements if e.element_id == "record_remote")
    assert record.changes == (PropertyChange("outgoing", "tell_customer", "end_remote"),)


def test_an_added_element_is_marked_on_the_new_side() -> None:
    found = compare_specs(specs(without_success_sms(RECONNECT)), specs(RECONNECT))  # type: ignore[arg-type]
    assert found.markers("b")["tell_customer"] == "added" and "tell_customer" not in found.markers("a")


def test_a_file_that_does_not_parse_gets_the_deploys_refusal() -> None:
    with pytest.raises(DeployError, match="DOCTYPE"):
        bundle_specs({"x.bpmn": b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e "x">]><x/>'})
