"""Bundling files that call each other, and turning SpiffWorkflow's parse errors into DeployProblems."""

from __future__ import annotations

from pathlib import Path

import pytest
from lxml import etree

from app.runtime.deployment.bpmn_source import BPMN_NS, DeployError, DeployProblem, read_bpmn
from app.runtime.engine.lanes import lane_role
from app.runtime.engine.parsing import called_processes, group_into_bundles, parse_bundle, process_ids_defined

FIXTURES = Path(__file__).parent / "bpmn"
SPIFF_NS = "http://spiffworkflow.org/bpmn/schema/1.0/core"


def fixture(name: str) -> etree._ElementTree:
    return read_bpmn(name, (FIXTURES / name).read_bytes())


def single_task_process(task: str, process_id: str = "p") -> str:
    """A start → task → end process; the task XML must have id="t" and the flows f1/f2."""
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="{BPMN_NS}" xmlns:spiffworkflow="{SPIFF_NS}" id="d" targetNamespace="http://t">
  <bpmn:process id="{process_id}" isExecutable="true">
    <bpmn:startEvent id="start"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="t" />
{task}
    <bpmn:sequenceFlow id="f2" sourceRef="t" targetRef="end" />
    <bpmn:endEvent id="end"><bpmn:incoming>f2</bpmn:incoming></bpmn:endEvent>
  </bpmn:process>
</bpmn:definitions>
"""


def line_of(text: str, marker: str) -> int:
    return next(number for number, line in enumerate(text.splitlines(), 1) if marker in line)


def parse_error(files: dict[str, str]) -> list[DeployProblem]:
    trees = {name: read_bpmn(name, text.encode()) for name, text in files.items()}
    with pytest.raises(DeployError) as excinfo:
        parse_bundle(trees)
    return excinfo.value.problems


def test_process_ids_and_calls_are_read_from_the_tree() -> None:
    assert process_ids_defined(fixture("b.bpmn")) == ["b_proc"]
    assert process_ids_defined(fixture("a.bpmn")) == ["a_proc"]
    assert called_processes(fixture("a.bpmn")) == [("call_b", "b_proc", 8)]
    assert called_processes(fixture("b.bpmn")) == []


def test_files_that_call_each_other_form_one_bundle() -> None:
    trees = {name: fixture(name) for name in ("c.bpmn", "b.bpmn", "a.bpmn")}
    assert group_into_bundles(trees) == [["a.bpmn", "b.bpmn"], ["c.bpmn"]]


def test_bundles_do_not_depend_on_input_order_and_ignore_unknown_calls() -> None:
    calls_nowhere = single_task_process('<bpmn:callActivity id="t" calledElement="missing" />', "z_proc")
    trees = {"z.bpmn": read_bpmn("z.bpmn", calls_nowhere.encode())}
    trees |= {name: fixture(name) for name in ("b.bpmn", "c.bpmn", "a.bpmn")}
    assert group_into_bundles(trees) == [["a.bpmn", "b.bpmn"], ["c.bpmn"], ["z.bpmn"]]


def test_a_valid_bundle_parses_with_its_call_activities_resolved() -> None:
    parser = parse_bundle({"a.bpmn": fixture("a.bpmn"), "b.bpmn": fixture("b.bpmn")})
    assert sorted(parser.get_process_ids()) == ["a_proc", "b_proc"]
    assert list(parser.get_subprocess_specs("a_proc")) == ["b_proc"]


def test_everything_the_linter_knows_about_is_also_valid_for_spiffworkflow() -> None:
    trees = {"everything_ok.bpmn": fixture("everything_ok.bpmn"), "b.bpmn": fixture("b.bpmn")}
    parser = parse_bundle(trees)
    spec = parser.get_spec("ok_proc")
    assert spec.task_specs["approve"].lane == "审批人"  # the lane's name, as the library reads it
    assert lane_role(spec.task_specs["approve"]) == "approver"  # its role property, as our parser records it
    assert spec.task_specs["disconnect"].operation_name == "meter.disconnect"


def test_parse_bundle_leaves_the_callers_trees_untouched() -> None:
    # SpiffWorkflow's validator renames correlation formalExpression elements in place.
    trees = {"everything_ok.bpmn": fixture("everything_ok.bpmn"), "b.bpmn": fixture("b.bpmn")}
    parse_bundle(trees)
    found = trees["everything_ok.bpmn"].xpath("//bpmn:formalExpression", namespaces={"bpmn": BPMN_NS})
    assert [node.text for node in found] == ["meter_id"]


def test_xsd_error_is_reported_with_file_line_and_element() -> None:
    text = single_task_process(
        '    <bpmn:scriptTask id="t" bogus="1"><bpmn:script>x = 1</bpmn:script>\n    </bpmn:scriptTask>'
    )
    [problem] = parse_error({"bad.bpmn": text})
    assert problem.file == "bad.bpmn"
    assert problem.line == line_of(text, 'bogus="1"')
    assert problem.element_id == "t"
    assert problem.message == (
        "Element 'bpmn:scriptTask', attribute 'bogus': The attribute 'bogus' is not allowed."
    )


def test_misspelt_spiff_extension_is_an_xsd_error() -> None:
    task = """    <bpmn:serviceTask id="t">
      <bpmn:extensionElements>
        <spiffworkflow:serviceTaskOperator id="sms.send">
          <spiffworkflow:paramz />
        </spiffworkflow:serviceTaskOperator>
      </bpmn:extensionElements>
    </bpmn:serviceTask>"""
    text = single_task_process(task)
    [problem] = parse_error({"typo.bpmn": text})
    assert problem.line == line_of(text, "paramz")
    assert problem.element_id == "t"
    assert "spiffworkflow:paramz" in problem.message


def test_service_task_without_operator_is_located_by_its_id() -> None:
    text = single_task_process('    <bpmn:serviceTask id="t" name="Notify customer" />')
    [problem] = parse_error({"svc.bpmn": text})
    assert (problem.file, problem.element_id) == ("svc.bpmn", "t")
    assert problem.line == line_of(text, "<bpmn:serviceTask")
    assert problem.message == "A Service Task must have an operator"


def test_process_without_start_event_is_located() -> None:
    text = f"""<bpmn:definitions xmlns:bpmn="{BPMN_NS}" id="d" targetNamespace="http://t">
  <bpmn:process id="headless" isExecutable="true">
    <bpmn:endEvent id="end" />
  </bpmn:process>
</bpmn:definitions>"""
    [problem] = parse_error({"headless.bpmn": text})
    assert (problem.line, problem.element_id) == (2, "headless")
    assert problem.message == "No start event found"


def test_duplicate_process_ids_across_files_name_both_files() -> None:
    text = (FIXTURES / "c.bpmn").read_text()
    [problem] = parse_error({"c.bpmn": text, "copy_of_c.bpmn": text})
    assert (problem.file, problem.line, problem.element_id) == ("copy_of_c.bpmn", 3, "c_proc")
    assert problem.message == "process id 'c_proc' is already defined in c.bpmn; ids must be unique"


def test_problems_from_several_files_are_all_reported() -> None:
    bad_attr = single_task_process('    <bpmn:task id="t" bogus="1" />', "p1")
    no_operator = single_task_process('    <bpmn:serviceTask id="t" />', "p2")
    also_no_operator = single_task_process('    <bpmn:serviceTask id="t" />', "p3")
    # XSD errors stop the bundle before specs are built, so only one.bpmn is reported here...
    problems = parse_error({"one.bpmn": bad_attr, "two.bpmn": no_operator})
    assert [(problem.file, problem.element_id) for problem in problems] == [("one.bpmn", "t")]
    # ...and once the files are schema-valid, every file's semantic problem is reported.
    problems = parse_error({"two.bpmn": no_operator, "three.bpmn": also_no_operator})
    located = [(problem.file, problem.element_id) for problem in problems]
    assert located == [("three.bpmn", "t"), ("two.bpmn", "t")]


def test_a_plain_iso_timer_reaches_the_engine_quoted_and_the_callers_tree_keeps_it_plain() -> None:
    """issue 10 item 13: SpiffWorkflow evaluates timers as Python, so PT2H would be a NameError at run
    time; parse_bundle (which deploy and replay both go through) hands it over as the literal "PT2H"."""
    text = single_task_process("""    <bpmn:intermediateCatchEvent id="t">
      <bpmn:timerEventDefinition id="td"><bpmn:timeDuration>PT2H</bpmn:timeDuration></bpmn:timerEventDefinition>
    </bpmn:intermediateCatchEvent>""")
    tree = read_bpmn("plain.bpmn", text.encode())
    spec = parse_bundle({"plain.bpmn": tree}).get_spec("p")
    assert spec.task_specs["t"].event_definition.expression == '"PT2H"'
    assert tree.xpath("//bpmn:timeDuration/text()", namespaces={"bpmn": BPMN_NS}) == ["PT2H"]
