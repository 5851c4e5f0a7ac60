"""Checking a draft on every save with the deploy's own check (``check_files``: the hardened XML
reader, lint, SpiffWorkflow's parser), its refusals turned into the problems the modeler lists and
marks: file, element id, the element's name, line, message and severity. Nothing an analyst types
can make the check fail with a 500: bad XML, a DTD, a script that imports are problems like any."""

from __future__ import annotations

import logging
import re
from typing import Any

from lxml import etree

from app.runtime.deployment.bpmn_source import BPMN_NS, DMN_NAMESPACES, DeployError, DeployProblem, read_bpmn
from app.runtime.deployment.check import check_files
from app.runtime.engine.parsing import process_ids_defined
from app.translations import N_
from app.workbench.context import Workbench
from app.workbench.refusals import WorkbenchInvalid

ERROR = "error"
MAX_FILES = 20
# A plain file name: no folder, no leading dot; it ends in .bpmn (a diagram) or .dmn (decision tables).
FILE_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.\-]{0,150}\.(bpmn|dmn)")
log = logging.getLogger(__name__)

Problem = dict[str, Any]  # {file, element_id, name, line, message, severity}


def require_file_names(files: dict[str, str]) -> None:
    """A draft is one to ``MAX_FILES`` files with plain ``*.bpmn`` or ``*.dmn`` names (their content may
    be anything: the check says what is wrong with it)."""
    if not files:
        raise WorkbenchInvalid("files", N_("A draft needs at least one BPMN file"))
    if len(files) > MAX_FILES:
        raise WorkbenchInvalid("files", N_("A draft holds at most {most} files; this one has {count}"),
                               most=MAX_FILES, count=len(files))
    for name in files:
        if not FILE_NAME.fullmatch(name):
            raise WorkbenchInvalid("files", N_("'{name}' is not a file name a draft can hold: letters, digits, "
                                               "'_', '-', '.', ending in .bpmn or .dmn, no folders"), name=name[:80])


def check_draft(bench: Workbench, process_id: str, files: dict[str, str]) -> list[Problem]:
    """What the deploy would refuse in these files, as problems (none: the draft deploys)."""
    data = {name: text.encode("utf-8") for name, text in files.items()}
    found: list[DeployProblem] = []
    try:
        check_files(data, operators=bench.operators, roles=bench.roles, validators=bench.validators)
    except DeployError as exc:
        found = exc.problems
    except Exception:  # a defect of the check must not lose the analyst's save: say so, log it
        log.exception("the deploy's check failed on a draft of %s", process_id)
        found = [DeployProblem(sorted(files)[0], None, None,
                               "the check could not finish on this draft (the error has been logged for the "
                               "administrators); change the last edit or ask them")]
    problems = as_problems(found, data)
    trees = _readable(data)
    if trees and len(trees) == len(data) and not any(process_id in process_ids_defined(t) for t in trees.values()):
        problems.append({"file": sorted(files)[0], "element_id": None, "name": None, "line": None, "severity": ERROR,
                         "message": f"no file of the draft defines the process {process_id!r} any more: a draft "
                                    f"keeps the process it was opened for"})
    return problems


def as_problems(found: list[DeployProblem], data: dict[str, bytes]) -> list[Problem]:
    """The deploy's problems as the modeler lists them, each with its element's name."""
    trees = _readable(data)
    return [_problem(problem, trees.get(problem.file)) for problem in found]


def has_errors(problems: list[Problem]) -> bool:
    return any(problem.get("severity") == ERROR for problem in problems)


def _readable(data: dict[str, bytes]) -> dict[str, etree._ElementTree]:
    trees = {}
    for name, content in data.items():
        try:
            trees[name] = read_bpmn(name, content)
        except DeployError:
            continue
    return trees


def _problem(problem: DeployProblem, tree: etree._ElementTree | None) -> Problem:
    return {"file": problem.file, "element_id": problem.element_id, "name": _element_name(tree, problem.element_id),
            "line": problem.line, "message": problem.message, "severity": ERROR}


def _element_name(tree: etree._ElementTree | None, element_id: str | None) -> str | None:
    """The ``name`` of the BPMN or DMN element with this id (what the analyst sees on the diagram or table)."""
    if tree is None or not element_id:
        return None
    for node in tree.xpath("//*[@id=$id]", id=element_id):
        if etree.QName(node).namespace in (BPMN_NS, *DMN_NAMESPACES):
            name = node.get("name")
            return " ".join(name.split()) if name else None
    return None
