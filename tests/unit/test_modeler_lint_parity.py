"""The browser's checks of timer and due-time values (app/web/static/modeler/values.js, used by the
properties panel and bpmnlint-plugin-relayflow) refuse exactly the values the server's deploy lint
refuses, so an analyst is never told "fine" in the browser and "refused" on saving, or the reverse."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from lxml import etree

from app.accounts.roles import ROLES
from app.runtime.deployment.lint import lint_tree

ROOT = Path(__file__).resolve().parents[2]
TIMERS = ["PT2H", '"PT2H"', "'PT45M'", "P1D", '"P1DT2H"', "PT1H30M", "2 hours", '"2 hours"', "PT", "P", "5",
          "R3/PT30M", "2025-06-01", "wait_for", '"PT2X"', "PT2H PT3H", "P1W2D", "PT1,5H", "PT1.5H", "None",
          "1 + 1", ""]
DUE = ["PT4H", "P1D", "P1DT12H", "P2W", "4 hours", "PT0H", "P0D", "PT", "P1Y", "pt4h", ""]


def bpmn(timers: list[str], due: list[str]) -> etree._ElementTree:
    events = "".join(f'<bpmn:intermediateCatchEvent id="t{n}"><bpmn:timerEventDefinition>'
                     f"<bpmn:timeDuration>{value}</bpmn:timeDuration></bpmn:timerEventDefinition>"
                     "</bpmn:intermediateCatchEvent>" for n, value in enumerate(timers))
    tasks = "".join(f'<bpmn:userTask id="u{n}"><bpmn:extensionElements><spiffworkflow:properties>'
                    f'<spiffworkflow:property name="due_in" value="{value}"/>'
                    '<spiffworkflow:property name="validator" value="approval.review"/>'
                    "</spiffworkflow:properties></bpmn:extensionElements></bpmn:userTask>"
                    for n, value in enumerate(due))
    text = ('<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" '
            'xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core">'
            f'<bpmn:process id="p" isExecutable="true">{events}{tasks}</bpmn:process></bpmn:definitions>')
    return etree.ElementTree(etree.fromstring(text.replace("&", "&amp;").encode()))


def test_browser_and_server_refuse_the_same_timer_and_due_time_values() -> None:
    problems = lint_tree("p.bpmn", bpmn(TIMERS, DUE), operators=[], roles=ROLES, processes=["p"])
    flagged = {problem.element_id for problem in problems}
    server = {"timers": [f"t{n}" in flagged for n in range(len(TIMERS))],
              "due": [f"u{n}" in flagged for n in range(len(DUE))]}
    run = subprocess.run(["node", str(ROOT / "tests" / "unit" / "modeler_values.mjs"),
                          json.dumps({"timers": TIMERS, "due": DUE})],
                         capture_output=True, text=True, check=False, cwd=ROOT)
    assert run.returncode == 0, run.stderr
    browser = json.loads(run.stdout)
    assert dict(zip(TIMERS, browser["timers"], strict=True)) == dict(zip(TIMERS, server["timers"], strict=True))
    assert dict(zip(DUE, browser["due"], strict=True)) == dict(zip(DUE, server["due"], strict=True))
    assert any(server["timers"]) and not all(server["timers"]) and any(server["due"]) and not all(server["due"])
