"""Checking uploaded BPMN (and DMN) files before anything is stored: read, bundle, lint, parse.

Every file is checked and every problem collected; ``check_files`` raises one DeployError listing
them all, one per line, so an analyst fixes a file in one pass and nothing is half-deployed.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field

from lxml import etree
from SpiffWorkflow.spiff.parser.process import SpiffBpmnParser

from app.runtime.deployment.bpmn_source import NSMAP, DeployError, DeployProblem, is_decision_file, read_bpmn
from app.runtime.deployment.lint import lint_tree, lint_warnings
from app.runtime.deployment.lint_decisions import lint_decisions
from app.runtime.engine.parsing import (
    executable_process_ids,
    group_into_bundles,
    parse_bundle,
    process_ids_defined,
)


@dataclass(frozen=True)
class CheckedBundle:
    """Files that call each other, checked: their bytes as sent and the parser holding their specs."""

    files: dict[str, bytes]
    parser: SpiffBpmnParser
    process_ids: list[str]  # the bundle's executable processes, sorted: each becomes a version
    warnings: list[DeployProblem] = field(default_factory=list)  # what deploys but should change

    @property
    def names(self) -> list[str]:
        return sorted(self.files)


def check_files(files: Mapping[str, bytes], *, operators: Collection[str], roles: Collection[str],
                validators: Collection[str] | None = None) -> list[CheckedBundle]:
    """Check every file and return its bundles, or raise DeployError naming every problem."""
    problems: list[DeployProblem] = []
    trees = {}
    for name, data in sorted(files.items()):
        try:
            trees[name] = read_bpmn(name, data)
        except DeployError as exc:
            problems.extend(exc.problems)
    if problems:
        raise DeployError(problems)
    checked = []
    for bundle in group_into_bundles(trees):
        bundle_trees = {name: trees[name] for name in bundle}
        diagrams = {name: tree for name, tree in bundle_trees.items() if not is_decision_file(name)}
        processes = {pid for tree in diagrams.values() for pid in process_ids_defined(tree)}
        for name, tree in diagrams.items():
            problems.extend(_nothing_to_deploy(name, tree))
            problems.extend(lint_tree(name, tree, operators=operators, roles=roles, processes=processes,
                                      validators=validators))
        decision_problems = lint_decisions(bundle_trees)
        if decision_problems:  # the library would only repeat them, without a line
            problems.extend(decision_problems)
            continue
        try:
            parser = parse_bundle(bundle_trees)
        except DeployError as exc:
            problems.extend(exc.problems)
            continue
        executable = sorted(pid for tree in bundle_trees.values() for pid in executable_process_ids(tree))
        warnings = [w for name, tree in diagrams.items() for w in lint_warnings(name, tree, roles=roles)]
        checked.append(CheckedBundle({name: files[name] for name in bundle}, parser, executable, warnings))
    if problems:
        raise DeployError(problems)
    return checked


def _nothing_to_deploy(name: str, tree: etree._ElementTree) -> list[DeployProblem]:
    """A file must hold an executable process: one whose processes are all non-executable (or
    that holds none) would deploy as an empty deployment (issue 10 item 9)."""
    if executable_process_ids(tree):
        return []
    processes = list(tree.iterfind(".//bpmn:process", namespaces=NSMAP))
    if not processes:
        return [DeployProblem(name, tree.getroot().sourceline, None,
                              f"nothing to deploy: no executable process in {name} (it holds no bpmn:process)")]
    named = [f"process {node.get('id', '')!r}" for node in processes[:3]]
    listed = " or ".join(named) + (f" (or one of {len(processes) - 3} more)" if len(processes) > 3 else "")
    return [DeployProblem(name, processes[0].sourceline, processes[0].get("id"),
                          f'nothing to deploy: no executable process in {name} (set isExecutable="true" on {listed})')]
