"""Grouping BPMN files into bundles and turning a bundle into SpiffWorkflow specs.

The deployment unit is the bundle of files that call each other: a file whose call
activity names a process defined in another file is deployed together with that file.
"""

from __future__ import annotations

import ast
import copy
from collections.abc import Iterable

from lxml import etree
from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException
from SpiffWorkflow.spiff.parser.process import VALIDATOR, SpiffBpmnParser

from app.runtime.bpmn_source import BPMN_NS, DeployError, DeployProblem
from app.runtime.timer_values import quote_iso_literals

SPIFF_NS = "http://spiffworkflow.org/bpmn/schema/1.0/core"
NSMAP = {"bpmn": BPMN_NS, "spiffworkflow": SPIFF_NS}
START_CHILDREN = "relayflow.start_children"


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


def owner_id(node: etree._Element) -> str | None:
    """The id of the nearest BPMN element at or around the node.

    Extension elements are skipped: the ``id`` of a spiffworkflow:serviceTaskOperator or
    parameter names an operation or argument, not a node an analyst can find in the diagram.
    """
    for candidate in (node, *node.iterancestors()):
        if etree.QName(candidate).namespace == BPMN_NS and candidate.get("id"):
            return candidate.get("id")
    return None


def group_into_bundles(trees: dict[str, etree._ElementTree]) -> list[list[str]]:
    """Group file names into connected components linked by call activities (and children).

    Names are sorted inside a bundle and bundles are sorted by their first name. A call to a
    process that no file defines links nothing (the linter reports it).
    """
    owner = {pid: name for name, tree in sorted(trees.items()) for pid in process_ids_defined(tree)}
    parent = {name: name for name in trees}

    def root(name: str) -> str:
        while parent[name] != name:
            parent[name] = parent[parent[name]]
            name = parent[name]
        return name

    for name, tree in trees.items():
        for _, called, _ in called_processes(tree):
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
    for tree in trees.values():
        quote_iso_literals(tree)  # the one place deploy and replay both go through (issue 10 item 13)
    _raise_if_any(_duplicate_process_problems(trees))

    parser = SpiffBpmnParser(validator=VALIDATOR)
    problems = []
    for name, tree in trees.items():
        try:
            parser.add_bpmn_xml(tree, filename=name)
        except ValidationException as exc:
            problems.append(_problem_from(exc, name, trees))
    _raise_if_any(problems)

    owner = {pid: name for name, tree in trees.items() for pid in process_ids_defined(tree)}
    for process_id in parser.get_process_ids():
        try:
            parser.get_spec(process_id)
            parser.get_subprocess_specs(process_id)
        except ValidationException as exc:
            problems.append(_problem_from(exc, owner.get(process_id, ""), trees))
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


def _problem_from(
    exc: ValidationException, fallback_file: str, trees: dict[str, etree._ElementTree]
) -> DeployProblem:
    """Locate a SpiffWorkflow ValidationException: XSD errors have a line, semantic ones an id."""
    file = exc.file_name or fallback_file
    tree = trees.get(file)
    line = exc.line_number if isinstance(exc.line_number, int) else None
    element_id = exc.id or None
    if tree is not None and line is None and element_id is not None:
        line = next((node.sourceline for node in _with_id(tree, element_id)), None)
    if tree is not None and element_id is None and line is not None:
        element_id = _id_at_line(tree, line)
    message = str(exc.args[0]) if exc.args else str(exc)
    for namespace, prefix in ((BPMN_NS, "bpmn"), (SPIFF_NS, "spiffworkflow")):
        message = message.replace(f"{{{namespace}}}", f"{prefix}:")
    return DeployProblem(file, line, element_id, message.strip())


def _with_id(tree: etree._ElementTree, element_id: str) -> Iterable[etree._Element]:
    return tree.xpath("//*[@id=$value]", value=element_id)


def _id_at_line(tree: etree._ElementTree, line: int) -> str | None:
    node = next((node for node in tree.iter(etree.Element) if node.sourceline == line), None)
    return None if node is None else owner_id(node)
