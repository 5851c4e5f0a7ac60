"""Deploy-time lint: expressions, scripts, timers, operators, lanes and call activities."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.accounts.roles import ROLES
from app.runtime.deployment.bpmn_source import BPMN_NS, DeployProblem, read_bpmn
from app.runtime.deployment.lint import lint_tree

FIXTURES = Path(__file__).parent / "bpmn"
SPIFF_NS = "http://spiffworkflow.org/bpmn/schema/1.0/core"
OPERATORS = {"meter.disconnect", "sms.send"}
ROLE_LIST = ", ".join(sorted(ROLES))
DURATION_ADVICE = "timer must be an ISO-8601 duration such as PT2H or a variable name"


def definitions(body: str) -> str:
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="{BPMN_NS}" xmlns:spiffworkflow="{SPIFF_NS}" id="d" targetNamespace="http://t">
  <bpmn:process id="main" isExecutable="true">
{body}
  </bpmn:process>
</bpmn:definitions>
"""


def lint(text: str) -> list[DeployProblem]:
    tree = read_bpmn("t.bpmn", text.encode())
    return lint_tree("t.bpmn", tree, operators=OPERATORS, roles=ROLES, processes={"main", "other"})


def line_of(text: str, marker: str) -> int:
    return next(number for number, line in enumerate(text.splitlines(), 1) if marker in line)


def timer(kind: str, expression: str) -> str:
    return definitions(
        f"""    <bpmn:intermediateCatchEvent id="wait">
      <bpmn:timerEventDefinition id="wait_def">
        <bpmn:{kind}>{expression}</bpmn:{kind}>
      </bpmn:timerEventDefinition>
    </bpmn:intermediateCatchEvent>"""
    )


def service(operator: str, value: str = "meter_id") -> str:
    return definitions(
        f"""    <bpmn:serviceTask id="cut">
      <bpmn:extensionElements>
        <spiffworkflow:serviceTaskOperator id="{operator}">
          <spiffworkflow:parameters>
            <spiffworkflow:parameter id="meter_id" type="str" value="{value}" />
          </spiffworkflow:parameters>
        </spiffworkflow:serviceTaskOperator>
      </bpmn:extensionElements>
    </bpmn:serviceTask>"""
    )


def test_a_file_using_every_checked_construct_correctly_has_no_problems() -> None:
    tree = read_bpmn("everything_ok.bpmn", (FIXTURES / "everything_ok.bpmn").read_bytes())
    problems = lint_tree(
        "everything_ok.bpmn", tree, operators={"meter.disconnect"}, roles=ROLES, processes={"b_proc"}
    )
    assert problems == []


@pytest.mark.parametrize(
    ("kind", "expression"),
    [
        ("timeDuration", '"PT2H"'),
        ("timeDuration", "'P1DT30M'"),
        ("timeDuration", "retry_delay"),
        ("timeCycle", '"R3/PT30M"'),
        ("timeCycle", "reminder_cycle"),
        ("timeDate", '"2025-06-01T09:00:00+00:00"'),
        ("timeDate", "disconnect_at"),
        # issue 10 item 13: ISO 8601 as every other modeler writes it, unquoted, is a literal
        ("timeDuration", "PT2H"),
        ("timeDuration", "\n          P1DT30M\n        "),
        ("timeCycle", "R3/PT2H"),
        ("timeCycle", "R/PT30M"),
        ("timeDate", "2025-06-01T09:00:00+00:00"),
        ("timeDate", "2025-06-01"),
    ],
)
def test_good_timers_pass(kind: str, expression: str) -> None:
    assert lint(timer(kind, expression)) == []


@pytest.mark.parametrize(
    ("kind", "expression", "message"),
    [
        ("timeDuration", '"2 hours"', f'timer "2 hours" is not a valid ISO-8601 duration: {DURATION_ADVICE}'),
        ("timeDuration", "P2H", f"timer 'P2H' is not a valid ISO-8601 duration: {DURATION_ADVICE}"),
        ("timeCycle", "R3/P2H", "timer 'R3/P2H' is not a valid ISO-8601 cycle: "
                                "timer must be an ISO-8601 cycle such as R3/PT30M or a variable name"),
        ("timeDate", "PT2H", "timer 'PT2H' is not a valid ISO-8601 date: "
                             "timer must be an ISO-8601 date such as 2025-06-01T09:00:00+00:00 or a variable name"),
        (
            "timeDuration",
            'hours("2")',
            "timer 'hours(\"2\")' is neither an ISO-8601 literal nor a variable name",
        ),
        ("timeDuration", "7200", f"timer '7200' is not text: {DURATION_ADVICE}"),
        ("timeDuration", "", f"timer has no expression: {DURATION_ADVICE}"),
        ("timeDuration", "__delay", "timer '__delay' is refused: Line 1: \"__delay\" is an invalid variable"),
        (
            "timeCycle",
            '"PT30M"',
            'timer "PT30M" is not a valid ISO-8601 cycle: '
            "timer must be an ISO-8601 cycle such as R3/PT30M or a variable name",
        ),
        (
            "timeDate",
            '"PT2H"',
            'timer "PT2H" is not a valid ISO-8601 date: '
            "timer must be an ISO-8601 date such as 2025-06-01T09:00:00+00:00 or a variable name",
        ),
    ],
)
def test_bad_timers_say_what_to_write(kind: str, expression: str, message: str) -> None:
    text = timer(kind, expression)
    [problem] = lint(text)
    where = ("t.bpmn", line_of(text, f"<bpmn:{kind}>"), "wait_def")
    assert (problem.file, problem.line, problem.element_id) == where
    assert problem.message.startswith(message)


def test_malicious_condition_is_refused_at_deploy_time() -> None:
    text = definitions(
        """    <bpmn:sequenceFlow id="escape" sourceRef="a" targetRef="b">
      <bpmn:conditionExpression>().__class__.__base__</bpmn:conditionExpression>
    </bpmn:sequenceFlow>"""
    )
    [problem] = lint(text)
    assert (problem.line, problem.element_id) == (line_of(text, "conditionExpression"), "escape")
    assert problem.message.startswith("condition '().__class__.__base__' is refused: ")
    assert '"__class__" is an invalid attribute name' in problem.message


@pytest.mark.parametrize(
    ("tag", "script", "label", "reason"),
    [
        ("preScript", "import os", "pre-script", "Line 1: imports are not allowed; use a whitelisted helper"),
        ("postScript", "x = order._f", "post-script", '"_f" is an invalid attribute name'),
    ],
)
def test_pre_and_post_scripts_are_compiled(tag: str, script: str, label: str, reason: str) -> None:
    text = definitions(
        f"""    <bpmn:userTask id="approve">
      <bpmn:extensionElements>
        <spiffworkflow:properties><spiffworkflow:property name="validator" value="x.y" /></spiffworkflow:properties>
        <spiffworkflow:{tag}>{script}</spiffworkflow:{tag}>
      </bpmn:extensionElements>
    </bpmn:userTask>"""
    )
    [problem] = lint(text)
    assert (problem.line, problem.element_id) == (line_of(text, tag), "approve")
    assert problem.message.startswith(f"{label} {script!r} is refused: ")
    assert reason in problem.message


def test_imports_anywhere_in_a_script_task_are_refused() -> None:
    text = definitions(
        """    <bpmn:scriptTask id="calc">
      <bpmn:script>total = 1
from os import path</bpmn:script>
    </bpmn:scriptTask>"""
    )
    [problem] = lint(text)
    assert problem.element_id == "calc"
    assert problem.message.endswith(
        "refused: Line 2: imports are not allowed; use a whitelisted helper instead"
    )


def test_script_task_with_a_syntax_error_is_reported() -> None:
    text = definitions(
        """    <bpmn:scriptTask id="calc">
      <bpmn:script>total = (1 +</bpmn:script>
    </bpmn:scriptTask>"""
    )
    [problem] = lint(text)
    assert (problem.line, problem.element_id) == (line_of(text, "<bpmn:script>"), "calc")
    assert problem.message.startswith("script 'total = (1 +' is refused: ")
    assert "SyntaxError" in problem.message


def test_service_parameter_expression_is_compiled_and_located_at_the_task() -> None:
    text = service("meter.disconnect", value="meter_id +")
    [problem] = lint(text)
    assert (problem.line, problem.element_id) == (line_of(text, "spiffworkflow:parameter "), "cut")
    assert problem.message.startswith("service parameter 'meter_id' 'meter_id +' is refused: ")


@pytest.mark.parametrize(
    ("path", "body", "label"),
    [
        (
            "receive",
            """<bpmn:receiveTask id="receive"><bpmn:extensionElements>
      <spiffworkflow:processVariableCorrelation>
        <spiffworkflow:propertyId>meter_id</spiffworkflow:propertyId>
        <spiffworkflow:expression>meter_id[</spiffworkflow:expression>
      </spiffworkflow:processVariableCorrelation>
    </bpmn:extensionElements></bpmn:receiveTask>""",
            "correlation expression",
        ),
        (
            "send",
            """<bpmn:intermediateThrowEvent id="send"><bpmn:messageEventDefinition>
      <bpmn:extensionElements>
        <spiffworkflow:messagePayload>{'a': _secret}</spiffworkflow:messagePayload>
      </bpmn:extensionElements>
    </bpmn:messageEventDefinition></bpmn:intermediateThrowEvent>""",
            "message payload",
        ),
        (
            "loop",
            """<bpmn:subProcess id="loop"><bpmn:standardLoopCharacteristics>
      <bpmn:loopCondition>not ok ok</bpmn:loopCondition>
    </bpmn:standardLoopCharacteristics></bpmn:subProcess>""",
            "loop condition",
        ),
        (
            "fanout",
            """<bpmn:callActivity id="fanout" calledElement="other"><bpmn:multiInstanceLoopCharacteristics>
      <bpmn:loopCardinality>len(customers</bpmn:loopCardinality>
    </bpmn:multiInstanceLoopCharacteristics></bpmn:callActivity>""",
            "loop cardinality",
        ),
    ],
)
def test_other_expressions_are_compiled(path: str, body: str, label: str) -> None:
    [problem] = lint(definitions(body))
    assert problem.element_id == path
    assert problem.message.startswith(f"{label} ")
    assert " is refused: " in problem.message


def test_correlation_property_retrieval_expression_is_compiled() -> None:
    text = f"""<bpmn:definitions xmlns:bpmn="{BPMN_NS}" id="d" targetNamespace="http://t">
  <bpmn:correlationProperty id="meter_key" name="meter_key">
    <bpmn:correlationPropertyRetrievalExpression messageRef="m">
      <bpmn:formalExpression>payload.__dict__</bpmn:formalExpression>
    </bpmn:correlationPropertyRetrievalExpression>
  </bpmn:correlationProperty>
</bpmn:definitions>"""
    [problem] = lint(text)
    assert (problem.line, problem.element_id) == (4, "meter_key")
    assert problem.message.startswith("correlation expression 'payload.__dict__' is refused: ")


def test_unknown_operator_is_named_and_known_ones_listed() -> None:
    text = service("meter.explode")
    [problem] = lint(text)
    assert (problem.line, problem.element_id) == (line_of(text, "serviceTaskOperator id="), "cut")
    assert problem.message == (
        "unknown service operator 'meter.explode'; known operators: meter.disconnect, sms.send"
    )


def test_known_operator_passes() -> None:
    assert lint(service("sms.send")) == []


def test_lanes_must_be_roles() -> None:
    """A lane without a role property must be named by a role id (the diagrams of before)."""
    text = definitions(
        """    <bpmn:laneSet id="lanes">
      <bpmn:lane id="lane_ok" name="approver" />
      <bpmn:lane id="lane_dispatch" name="Dispatcher" />
      <bpmn:lane id="lane_blank" />
    </bpmn:laneSet>"""
    )
    problems = lint(text)
    allowed = f"{ROLE_LIST} (or system for the machine's own steps)"
    assert [(p.line, p.element_id, p.message) for p in problems] == [
        (
            line_of(text, "Dispatcher"),
            "lane_dispatch",
            "lane 'Dispatcher' has no role property and its name is not a role: "
            f'add <spiffworkflow:property name="role" value="…"/> with one of: {allowed}',
        ),
        (
            line_of(text, "lane_blank"),
            "lane_blank",
            f"lane has no name and no role property; give it a name and a role: {allowed}",
        ),
    ]


def test_call_activity_must_call_a_known_process() -> None:
    text = definitions(
        """    <bpmn:callActivity id="call_ok" calledElement="other" />
    <bpmn:callActivity id="call_missing" calledElement="reconnect_flow" />"""
    )
    [problem] = lint(text)
    assert (problem.line, problem.element_id) == (line_of(text, "call_missing"), "call_missing")
    assert problem.message == "call activity calls process 'reconnect_flow', which no deployed file defines"


def test_every_problem_is_reported_in_line_order() -> None:
    text = definitions(
        """    <bpmn:laneSet id="lanes"><bpmn:lane id="lane_x" name="boss" /></bpmn:laneSet>
    <bpmn:callActivity id="call_missing" calledElement="nowhere" />
    <bpmn:sequenceFlow id="flow" sourceRef="a" targetRef="b">
      <bpmn:conditionExpression>__import__('os')</bpmn:conditionExpression>
    </bpmn:sequenceFlow>
    <bpmn:intermediateCatchEvent id="wait">
      <bpmn:timerEventDefinition id="wait_def"><bpmn:timeDuration>"2 hours"</bpmn:timeDuration>
      </bpmn:timerEventDefinition>
    </bpmn:intermediateCatchEvent>"""
    )
    problems = lint(text)
    assert [p.element_id for p in problems] == ["lane_x", "call_missing", "flow", "wait_def"]
    assert [p.line for p in problems] == sorted(p.line or 0 for p in problems)


def test_comments_inside_definitions_do_not_confuse_the_linter() -> None:
    text = timer("timeDuration", '"PT2H"').replace("<bpmn:timeDuration>", "<!-- 2h --><bpmn:timeDuration>")
    assert "<!-- 2h -->" in text
    assert lint(text) == []


def test_long_scripts_are_quoted_short_in_the_problem() -> None:
    script = "total = 0\n" + "total += 1\n" * 40 + "import os"
    text = definitions(
        f'    <bpmn:scriptTask id="calc"><bpmn:script>{script}</bpmn:script></bpmn:scriptTask>'
    )
    [problem] = lint(text)
    assert problem.message.startswith("script 'total = 0\\ntotal += 1\\n")
    assert "…' is refused: Line 42: imports are not allowed" in problem.message
    assert len(problem.message) < 160


def script_task(script: str, task_id: str = "calc") -> str:
    return definitions(f'    <bpmn:scriptTask id="{task_id}"><bpmn:script>{script}</bpmn:script></bpmn:scriptTask>')


@pytest.mark.parametrize(("script", "name"), [
    ('data = open("/etc/passwd").read()', "open"),
    ("code = compile(text, 'x', 'exec')", "compile"),
    ("secrets = globals()", "globals"),
    ("here = locals()", "locals"),
    ("print(total)", "print"),
    ("kind = type(total)", "type"),
    ("ordered = sorted(items)", "sorted"),  # not in RestrictedPython's safe_builtins: a NameError at run time
])
def test_a_script_calling_a_built_in_the_sandbox_lacks_is_refused_at_deploy(script: str, name: str) -> None:
    """issue 10 item 11: these passed deploy and failed only at run time, as an incident."""
    text = script_task(script)
    problems = lint(text)
    assert [(p.line, p.element_id) for p in problems] == [(line_of(text, "<bpmn:script>"), "calc")]
    assert problems[0].message == (f"script calls {name}(), a Python built-in the restricted environment "
                                   "does not provide")


def test_the_line_is_the_line_of_the_file_that_calls_it() -> None:
    text = script_task("total = 0\nfor n in items:\n    total += n\nreport = open('r.txt', 'w')")
    [problem] = lint(text)
    assert (problem.line, problem.element_id) == (line_of(text, "report = open"), "calc")


def test_eval_and_exec_are_named_once_and_a_bare_reference_is_refused_too() -> None:
    [called] = lint(script_task('x = eval("1")'))
    assert "Eval calls are not allowed" in called.message
    text = script_task('x = eval("1")\ndata = open("/etc/passwd").read()')  # both, in one pass
    assert [(p.line, p.message.split(" is refused")[0].split(", a Python")[0]) for p in lint(text)] == [
        (line_of(text, "<bpmn:script>"), "script 'x = eval(\"1\")\\ndata = open(\"/etc/passwd\").read()'"),
        (line_of(text, "data = open"), "script calls open()")]
    [referenced] = lint(script_task('run = exec\nrun("x = 1")'))
    assert referenced.message == "script uses exec, a Python built-in the restricted environment does not provide"


def test_expressions_and_service_parameters_are_checked_too() -> None:
    text = definitions("""    <bpmn:sequenceFlow id="peek" sourceRef="a" targetRef="b">
      <bpmn:conditionExpression>vars()['approved']</bpmn:conditionExpression>
    </bpmn:sequenceFlow>""")
    assert [(p.element_id, p.message) for p in lint(text)] == [
        ("peek", "condition calls vars(), a Python built-in the restricted environment does not provide")]
    [problem] = lint(service("meter.disconnect", "open('meters.csv').read()"))
    assert problem.message == ("service parameter 'meter_id' calls open(), a Python built-in the restricted "
                               "environment does not provide")


def test_provided_built_ins_and_variables_named_like_built_ins_pass() -> None:
    """Only what it can know: a variable of the process may be called ``type`` or ``input`` (a form
    field, start data, a result variable); a call of one is the built-in."""
    script = ("total = sum(list(values)) + len(items) + max(1, min(2, 3))\n"
              "label = getattr(order, 'label', None) if isinstance(order, dict) else repr(order)\n"
              "choice = type if input else format")
    assert lint(script_task(script)) == []
    assert lint(service("sms.send", "input")) == []


def offered(expression: str) -> str:
    return definitions(
        f"""    <bpmn:userTask id="on_site">
      <bpmn:extensionElements>
        <spiffworkflow:properties>
          <spiffworkflow:property name="validator" value="reconnection.on_site" />
          <spiffworkflow:property name="offer_to" value="{expression}" />
        </spiffworkflow:properties>
      </bpmn:extensionElements>
    </bpmn:userTask>"""
    )


def test_whom_a_task_is_offered_to_is_checked_as_an_expression_at_deploy() -> None:
    """Issue 10 item 18: offer_to is code the runtime evaluates; a mistake is refused with its line."""
    assert lint(offered("customer.get(&#39;reader&#39;)")) == []
    text = offered("customer[&#39;reader&#39;")
    (problem,) = lint(text)
    assert (problem.line, problem.element_id) == (line_of(text, "offer_to"), "on_site")
    assert "user task property 'offer_to'" in problem.message
    (sneaky,) = lint(offered("customer.__class__"))
    assert "offer_to" in sneaky.message
