"""Grouping BPMN files into bundles and turning a bundle into SpiffWorkflow specs.

The deployment unit is the bundle of files that call each other: a file whose call
activity names a process defined in another file is deployed together with that file.
"""

from __future__ import annotations

import ast
import copy

from lxml import etree
from SpiffWorkflow.spiff.parser.process import VALIDATOR, SpiffBpmnParser

from app.runtime.deployment.bpmn_source import (
    DMN_NAMESPACES,
    NSMAP,
    DeployError,
    DeployProblem,
    is_decision_file,
    owner_id,
)
from app.runtime.deployment.feel import translate_tables
from app.runtime.deployment.parse_problems import problem_from
from app.runtime.deployment.timer_values import quote_iso_literals
from app.runtime.engine.lanes import LaneRoleAdHocParser, LaneRoleProcessParser

START_CHILDREN = "relayflow.start_children"


class RelayflowParser(SpiffBpmnParser):  # type: ignore[misc]  # the library is untyped
    """SpiffWorkflow's parser with our one hook: each task spec records its lane's role (``lanes``)."""

    PROCESS_PARSER_CLASS = LaneRoleProcessParser
    AD_HOC_PARSER_CLASS = LaneRoleAdHocParser


def process_ids_defined(tree: etree._ElementTree) -> list[str]:
    """Return the ids of every bpmn:process in the file, in document order."""
    return [str(pid) for pid in tree.xpath("//bpmn:process/@id", namespaces=NSMAP)]


def executable_process_ids(tree: etree._ElementTree) -> list[str]:
    """The ids of the file's processes SpiffWorkflow will build, in document order: it reads a
    missing ``isExecutable`` as true and anything but ``"true"`` as false."""
    return [str(node.get("id")) for node in tree.iterfind(".//bpmn:process", namespaces=NSMAP)
            if node.get("isExecutable", "true") == "true"]


def called_processes(tree: etree._ElementTree) -> list[tuple[str, str, int | None]]:
    """Return (element id, called process, source line) for every call activity in the file, and
    for every ``relayflow.start_children`` whose ``process`` parameter is a literal string."""
    calls = [
        (node.get("id", ""), node.get("calledElement", ""), node.sourceline)
        for node in tree.iterfind(".//bpmn:callActivity", namespaces=NSMAP)
    ]
    return calls + [(owner_id(node) or "", process, node.sourceline) for node, process in children_processes(tree)]


def children_processes(tree: etree._ElementTree) -> list[tuple[etree._Element, str]]:
    """(parameter node, process id) of each ``relayflow.start_children`` with a literal ``process``."""
    found = []
    path = f".//spiffworkflow:serviceTaskOperator[@id='{START_CHILDREN}']//spiffworkflow:parameter[@id='process']"
    for node in tree.iterfind(path, namespaces=NSMAP):
        try:
            process = ast.literal_eval(node.get("value", ""))
        except (ValueError, SyntaxError):
            continue  # an expression: the process is known only at run time
        if isinstance(process, str):
            found.append((node, process))
    return found


def decisions_defined(tree: etree._ElementTree) -> list[tuple[str, int | None]]:
    """(id, source line) of every decision a DMN file defines (none in a BPMN file)."""
    return [(str(node.get("id", "")), node.sourceline) for node in tree.getroot()
            if isinstance(node.tag, str)  # not a comment or processing instruction
            and etree.QName(node).localname == "decision" and etree.QName(node).namespace in DMN_NAMESPACES]


def called_decisions(tree: etree._ElementTree) -> list[tuple[str, str, int | None]]:
    """(element id, decision id, source line) of every business rule task that calls a decision."""
    return [(owner_id(node) or "", (node.text or "").strip(), node.sourceline)
            for node in tree.iterfind(".//bpmn:businessRuleTask//spiffworkflow:calledDecisionId", namespaces=NSMAP)]


def group_into_bundles(trees: dict[str, etree._ElementTree]) -> list[list[str]]:
    """Group file names into connected components linked by call activities (and children), and
    by the decisions business rule tasks call (a DMN file goes with the diagrams that use it).

    Names are sorted inside a bundle and bundles are sorted by their first name. A call to a
    process or decision that no file defines links nothing (the linter reports it).
    """
    owner = {pid: name for name, tree in sorted(trees.items()) for pid in process_ids_defined(tree)}
    owner.update({f"decision:{decision}": name
                  for name, tree in sorted(trees.items()) for decision, _ in decisions_defined(tree)})
    parent = {name: name for name in trees}

    def root(name: str) -> str:
        while parent[name] != name:
            parent[name] = parent[parent[name]]
            name = parent[name]
        return name

    for name, tree in trees.items():
        calls = [called for _, called, _ in called_processes(tree)]
        calls += [f"decision:{decision}" for _, decision, _ in called_decisions(tree)]
        for called in calls:
            if called in owner:
                parent[root(name)] = root(owner[called])
    bundles: dict[str, list[str]] = {}
    for name in trees:
        bundles.setdefault(root(name), []).append(name)
    return sorted((sorted(names) for names in bundles.values()), key=lambda names: names[0])


def parse_bundle(trees: dict[str, etree._ElementTree]) -> SpiffBpmnParser:
    """Validate and parse one bundle, building every process spec so that errors surface now.

    Raises DeployError listing every problem found, each located by file, line and element id.
    The trees are copied first: SpiffWorkflow's validator rewrites some elements in place, and so
    do we — a timer written as a plain ISO 8601 value is handed to the engine quoted.
    """
    trees = {name: copy.deepcopy(tree) for name, tree in sorted(trees.items())}
    for name, tree in trees.items():  # the one place deploy and replay both go through (issue 10 item 13)
        if is_decision_file(name):
            translate_tables(tree)  # FEEL cells as the Python the engine evaluates (issue 16)
        else:
            quote_iso_literals(tree)
    _raise_if_any(_duplicate_process_problems(trees))

    parser = RelayflowParser(validator=VALIDATOR)
    problems = []
    for name, tree in trees.items():
        try:
            if is_decision_file(name):
                parser.add_dmn_xml(tree.getroot(), filename=name)
            else:
                parser.add_bpmn_xml(tree, filename=name)
        except Exception as exc:  # the library's own errors, and the ones its error paths raise
            problems.append(problem_from(exc, name, trees))
    _raise_if_any(problems)

    owner = {pid: name for name, tree in trees.items() for pid in process_ids_defined(tree)}
    for process_id in parser.get_process_ids():
        try:
            parser.get_spec(process_id)
            parser.get_subprocess_specs(process_id)
        except Exception as exc:  # the library's own errors, and the ones its error paths raise
            problems.append(problem_from(exc, owner.get(process_id, ""), trees))
    _raise_if_any(list(dict.fromkeys(problems)))
    return parser


def _raise_if_any(problems: list[DeployProblem]) -> None:
    if problems:
        raise DeployError(problems)


def _duplicate_process_problems(trees: dict[str, etree._ElementTree]) -> list[DeployProblem]:
    first_seen: dict[str, str] = {}
    problems = []
    for name, tree in trees.items():
        for node in tree.iterfind(".//bpmn:process", namespaces=NSMAP):
            pid = node.get("id", "")
            if pid in first_seen:
                message = f"process id {pid!r} is already defined in {first_seen[pid]}; ids must be unique"
                problems.append(DeployProblem(name, node.sourceline, pid, message))
            else:
                first_seen[pid] = name
    return problems
