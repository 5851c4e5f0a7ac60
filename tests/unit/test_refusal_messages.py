"""Refusals speak to an analyst: one line each, ``file:line [element id] message`` at the element
to change, with no library internals, object reprs or raw XML (issue 10 item 12). Each file here is
the kind the issue found among 831 exports of other modelers."""

from __future__ import annotations

import re

import pytest
from lxml import etree
from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException
from SpiffWorkflow.spiff.parser.process import SpiffBpmnParser

from app.accounts.roles import ROLES
from app.runtime.deployment.bpmn_source import BPMN_NS, DeployError, DeployProblem, read_bpmn
from app.runtime.deployment.check import check_files
from app.runtime.deployment.parse_problems import problem_from

LINE = re.compile(r"[^\s:]+\.bpmn(:\d+)?( \[[^\]\s]+\])? \S.*")
LEAKS = ("<Element", " at 0x", "b'<", 'b"<', "TypeError", "NotImplementedError", "raise_validation_exception",
         "perhaps a form", "tasks of type\n")


def process(body: str, before: str = "") -> str:
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="{BPMN_NS}" id="d" targetNamespace="http://t">{before}
  <bpmn:process id="p" isExecutable="true">
    <bpmn:startEvent id="start" />
{body}
  </bpmn:process>
</bpmn:definitions>
"""


def refusal(text: str, name: str = "x.bpmn") -> str:
    with pytest.raises(DeployError) as refused:
        check_files({name: text.encode()}, operators=[], roles=ROLES)
    report = str(refused.value)
    lines = report.split("\n")
    assert len(lines) == len(refused.value.problems)
    assert all(LINE.fullmatch(line) for line in lines), report
    assert not [leak for leak in LEAKS if leak in report], report
    return report


def line_of(text: str, marker: str) -> int:
    return next(number for number, line in enumerate(text.splitlines(), 1) if marker in line)


def test_a_flow_to_a_missing_target_blames_the_flow_not_its_source() -> None:
    text = process('    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="ghost" />')
    assert refusal(text, "ghost.bpmn") == (
        f"ghost.bpmn:{line_of(text, 'targetRef=')} [f1] sequence flow 'f1' goes to 'ghost', "
        "which is not an element of this file")


def test_a_flow_into_another_process_says_so() -> None:
    text = process('    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="other_start" />').replace(
        "</bpmn:definitions>", """  <bpmn:process id="q" isExecutable="true">
    <bpmn:startEvent id="other_start" />
  </bpmn:process>
</bpmn:definitions>""")
    assert refusal(text).endswith("[f1] sequence flow 'f1' goes to 'other_start', which is not in the same process "
                                  "or subprocess")


@pytest.mark.parametrize(("condition", "python"), [
    ("${approved}", "approved"),
    ("#{amount &gt; 100 &amp;&amp; !cancelled}", "amount > 100 and not cancelled"),
    ("${decision == true || region == null}", "decision == True or region == None"),
    ("= approved", "approved"),
])
def test_juel_and_feel_conditions_hear_that_conditions_are_python(condition: str, python: str) -> None:
    text = process(f"""    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="end">
      <bpmn:conditionExpression>{condition}</bpmn:conditionExpression>
    </bpmn:sequenceFlow>
    <bpmn:endEvent id="end" />""")
    report = refusal(text)
    assert report.startswith(f"x.bpmn:{line_of(text, 'conditionExpression')} [f1] condition ")
    assert report.endswith(f"is JUEL/FEEL, but conditions are Python expressions: write {python}")


def test_a_data_input_association_that_resolves_nowhere_names_the_reference_and_its_line() -> None:
    text = process("""    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="t" />
    <bpmn:task id="t">
      <bpmn:property id="prop" name="__targetRef_placeholder" />
      <bpmn:dataInputAssociation id="dia">
        <bpmn:sourceRef>customer_list</bpmn:sourceRef>
        <bpmn:targetRef>prop</bpmn:targetRef>
      </bpmn:dataInputAssociation>
    </bpmn:task>""")
    assert refusal(text) == (f"x.bpmn:{line_of(text, '<bpmn:sourceRef>')} [dia] data input association refers to "
                             "'customer_list', which is not a data object reference of this file")


def test_a_data_store_with_a_newline_in_its_name_is_one_line_at_its_element() -> None:
    text = process('    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="end" />\n'
                   '    <bpmn:endEvent id="end" />',
                   before='\n  <bpmn:dataStore id="ds" name="Customer&#10;archive" />')
    assert refusal(text) == (f"x.bpmn:{line_of(text, 'bpmn:dataStore')} [ds] data store 'Customer archive' is not "
                             "supported: relayflow provides no data stores; keep the data in process variables")


def test_a_message_event_naming_a_missing_message_says_which() -> None:
    text = process("""    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="wait" />
    <bpmn:intermediateCatchEvent id="wait">
      <bpmn:messageEventDefinition id="wait_def" messageRef="payment_received" />
    </bpmn:intermediateCatchEvent>""")
    assert refusal(text) == (f"x.bpmn:{line_of(text, 'wait_def')} [wait_def] message event refers to message "
                             "'payment_received', which this file does not define: add a bpmn:message with that "
                             "id or pick one that exists")


def test_a_boundary_event_without_a_definition_quotes_no_xml() -> None:
    text = process("""    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="t" />
    <bpmn:task id="t" />
    <bpmn:boundaryEvent id="b" attachedToRef="t" />""")
    assert refusal(text) == (f"x.bpmn:{line_of(text, 'boundaryEvent')} [b] boundary event has no event definition "
                             "SpiffWorkflow can wait for: give it a timer, message, signal, error, escalation, "
                             "conditional or cancel event definition")


def test_a_task_with_two_outgoing_flows_hears_the_whole_sentence() -> None:
    text = process("""    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="t" />
    <bpmn:task id="t" />
    <bpmn:sequenceFlow id="f2" sourceRef="t" targetRef="a" />
    <bpmn:sequenceFlow id="f3" sourceRef="t" targetRef="b" />
    <bpmn:endEvent id="a" />
    <bpmn:endEvent id="b" />""")
    assert refusal(text) == (f"x.bpmn:{line_of(text, '<bpmn:task')} [t] task has 2 outgoing sequence flows "
                             "(f2, f3); SpiffWorkflow splits only at gateways: add a parallel or exclusive gateway "
                             "after it")


def test_any_other_library_failure_is_cleaned_of_reprs_and_raw_xml() -> None:
    tree = read_bpmn("x.bpmn", process('    <bpmn:task id="t" />').encode())
    [task] = tree.xpath("//*[@id='t']")
    raw = etree.tostring(task)
    wrapped = ValidationException(repr(NotImplementedError("Unsupported thing: %r", raw + b" " * 1700)),
                                  node=task, file_name="x.bpmn")
    problem = problem_from(wrapped, "x.bpmn", {"x.bpmn": tree})
    assert (problem.line, problem.element_id) == (task.sourceline, "t")
    assert problem.message == ("SpiffWorkflow could not read this element (NotImplementedError: Unsupported thing: "
                               "'(XML left out)')")
    unwrapped = problem_from(KeyError("lane"), "x.bpmn", {"x.bpmn": tree})
    assert str(unwrapped) == "x.bpmn SpiffWorkflow could not read this file (KeyError: lane)"


def test_a_problem_is_one_line_whatever_its_message_holds() -> None:
    problem = DeployProblem("x.bpmn", 3, "t", "lane 'approver\nteam' is not a role")
    assert str(problem) == "x.bpmn:3 [t] lane 'approver team' is not a role"


def test_a_library_exception_outside_its_own_error_type_is_a_refusal_not_a_traceback(
        monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*_args: object, **_kwargs: object) -> None:
        raise AttributeError("'NoneType' object has no attribute 'get'")

    monkeypatch.setattr(SpiffBpmnParser, "get_spec", broken)
    text = process('    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="end" />\n'
                   '    <bpmn:endEvent id="end" />')
    assert refusal(text) == ("x.bpmn SpiffWorkflow could not read this file "
                             "(AttributeError: 'NoneType' object has no attribute 'get')")


def test_an_xpath_condition_hears_the_python_to_write() -> None:
    text = process("""    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="end">
      <bpmn:conditionExpression><![CDATA[bpmn:getDataObject('clarified') = 'yes']]></bpmn:conditionExpression>
    </bpmn:sequenceFlow>
    <bpmn:endEvent id="end" />""")
    assert refusal(text).endswith("is XPath, but conditions are Python expressions: write clarified == 'yes'")


def test_a_timer_event_that_never_says_when_is_located_at_its_definition() -> None:
    text = process("""    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="t" />
    <bpmn:task id="t" />
    <bpmn:boundaryEvent id="daily" attachedToRef="t" cancelActivity="false">
      <bpmn:timerEventDefinition id="daily_def" />
    </bpmn:boundaryEvent>""")
    assert refusal(text) == (f"x.bpmn:{line_of(text, 'daily_def')} [daily_def] timer event has no timeDate, "
                             "timeDuration or timeCycle: say when it fires, such as a timeDuration of PT2H")


def test_a_file_that_is_not_in_the_encoding_it_declares_says_so() -> None:
    data = process('    <bpmn:endEvent id="end" name="Rechnung klären" />').encode("latin-1")
    with pytest.raises(DeployError) as refused:
        check_files({"x.bpmn": data}, operators=[], roles=ROLES)
    assert str(refused.value) == (
        "x.bpmn:5 malformed XML: line 5 holds bytes that are not UTF-8, the encoding the file declares: save it as "
        'UTF-8, or declare the encoding it was saved in (such as encoding="windows-1252")')


def test_feel_without_a_python_spelling_is_asked_to_be_rewritten() -> None:
    text = process("""    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="end">
      <bpmn:conditionExpression>= every risk in risks satisfies risk.low</bpmn:conditionExpression>
    </bpmn:sequenceFlow>
    <bpmn:endEvent id="end" />""")
    assert refusal(text).endswith("is JUEL/FEEL, but conditions are Python expressions: rewrite it in Python")
