"""Deploy-time checks that SpiffWorkflow's parser does not make (notes §1, §4, §7).

The parser accepts any text as a condition, script or timer; mistakes would surface only
when an instance reaches them. ``lint_tree`` finds them all at deploy time instead.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Collection
from typing import Any

from lxml import etree

from app.runtime.deployment.bpmn_code import code_sites
from app.runtime.deployment.bpmn_source import NSMAP, DeployProblem, owner_id
from app.runtime.deployment.foreign_expressions import python_for
from app.runtime.deployment.lint_lanes import lane_problems, lane_warnings
from app.runtime.deployment.lint_names import unavailable_name_problems
from app.runtime.deployment.lint_tasks import draft_until_problems, form_problems, max_customers_problems
from app.runtime.deployment.timer_values import ISO_SHAPED, TIMER_KINDS, iso_literal, timer_nodes
from app.runtime.engine.expressions import RestrictedExpressionError, compile_expression, compile_script
from app.runtime.engine.parsing import children_processes
from app.runtime.engine.projection import DUE_IN_PROPERTY, parse_due_in

_Found = list[tuple[etree._Element, str]]  # (where, what is wrong), turned into DeployProblems at the end

def lint_tree(
    name: str,
    tree: etree._ElementTree,
    *,
    operators: Collection[str],
    roles: Collection[str],
    processes: Collection[str],
    validators: Collection[str] | None = None,
) -> list[DeployProblem]:
    """Return every problem in one BPMN file, in document order, each with line and element id.

    ``operators`` are the service-task operation names the handler table knows, ``roles``
    the role ids a lane's role may be, ``processes`` the process ids a call activity may call,
    ``validators`` the user-task validators installed (None: not checked).
    """
    problems: _Found = []
    problems += _code_problems(tree)
    problems += _timer_problems(tree)
    problems += _due_problems(tree)
    problems += _operator_problems(tree, operators)
    problems += _call_problems(tree, processes)
    problems += form_problems(tree)
    problems += max_customers_problems(tree)
    problems += draft_until_problems(tree)
    if validators is not None:
        problems += _validator_problems(tree, validators)
    located = [DeployProblem(name, node.sourceline, owner_id(node), message) for node, message in problems]
    located += unavailable_name_problems(name, tree)
    located += lane_problems(name, tree, roles)
    return sorted(located, key=lambda problem: problem.line or 0)


def lint_warnings(name: str, tree: etree._ElementTree, *, roles: Collection[str]) -> list[DeployProblem]:
    """What deploys but should change (``severity="warning"``), in document order: for now, lanes
    that name their role by their name (``lint_lanes``)."""
    return sorted(lane_warnings(name, tree, roles), key=lambda problem: problem.line or 0)


def _find(tree: etree._ElementTree, path: str) -> list[etree._Element]:
    return list(tree.iterfind(path, namespaces=NSMAP))


def _code_problems(tree: etree._ElementTree) -> _Found:
    found: _Found = []
    for site in code_sites(tree):
        compile_code = _compile_script_without_imports if site.is_script else compile_expression
        found += _compile_problem(site.node, site.label, site.source, compile_code)
    return found


def _compile_script_without_imports(source: str) -> Any:
    """Compile a script, also refusing imports: RestrictedPython compiles them and fails only at run time."""
    code = compile_script(source)
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import | ast.ImportFrom):
            raise RestrictedExpressionError(
                f"Line {node.lineno}: imports are not allowed; use a whitelisted helper instead"
            )
    return code


def _compile_problem(
    node: etree._Element, label: str, source: str, compile_code: Callable[[str], object]
) -> _Found:
    try:
        compile_code(source)
    except RestrictedExpressionError as exc:
        foreign = python_for(source)
        if foreign is not None:
            kind = "conditions" if "condition" in label else "expressions"
            return [(node, f"{label} {_excerpt(source)!r} is {foreign[0]}, but {kind} are Python expressions: "
                           f"{_write(foreign[1])}")]
        return [(node, f"{label} {_excerpt(source)!r} is refused: {exc}")]
    return []


def _write(python: str) -> str:
    """Advice to write the translation, when it is Python indeed (FEEL's ``every … satisfies`` is not)."""
    try:
        compile_expression(python)
    except RestrictedExpressionError:
        return "rewrite it in Python"
    return f"write {python}"


def _excerpt(source: str, limit: int = 60) -> str:
    """The start of a script, short enough to quote in a one-line problem."""
    text = source.strip()
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _timer_problems(tree: etree._ElementTree) -> _Found:
    found: _Found = []
    for kind in TIMER_KINDS:
        for node in timer_nodes(tree, kind):
            message = _timer_message(kind, (node.text or "").strip())
            if message:
                found.append((node, message))
    return found


def _timer_message(kind: str, source: str) -> str | None:
    """Why a timer value is wrong, or None. It must be an ISO-8601 literal (quoted or not) or an
    expression naming a process variable."""
    timer = TIMER_KINDS[kind]
    advice = f"timer must be an ISO-8601 {timer.holds} such as {timer.example} or a variable name"
    if not source:
        return f"timer has no expression: {advice}"
    if iso_literal(kind, source):
        return None
    foreign = python_for(source)
    if foreign is not None:
        return (f"timer {source!r} is {foreign[0]}, but timers are ISO-8601 values or Python expressions: "
                f"{_write(foreign[1])}")
    if ISO_SHAPED.fullmatch(source):
        return f"timer {source!r} is not a valid ISO-8601 {timer.holds}: {advice}"
    try:
        literal = ast.literal_eval(source)
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        return _timer_name_message(source, advice)
    if not isinstance(literal, str):
        return f"timer {source!r} is not text: {advice}"
    if not timer.accepts(literal.strip()):
        return f"timer {source} is not a valid ISO-8601 {timer.holds}: {advice}"
    return None


def _timer_name_message(source: str, advice: str) -> str | None:
    try:
        body = ast.parse(source, mode="eval").body
    except SyntaxError:
        return f"timer {source!r} is not an expression: {advice}"
    if not isinstance(body, ast.Name):
        return f"timer {source!r} is neither an ISO-8601 literal nor a variable name: {advice}"
    try:
        compile_expression(source)
    except RestrictedExpressionError as exc:
        return f"timer {source!r} is refused: {exc}"
    return None


def _due_problems(tree: etree._ElementTree) -> _Found:
    """A user task's ``due_in`` must be an ISO-8601 duration: the inbox computes its due time from it."""
    found: _Found = []
    for node in _find(tree, f".//bpmn:userTask//spiffworkflow:property[@name='{DUE_IN_PROPERTY}']"):
        value = node.get("value") or ""
        try:
            parse_due_in(value)
        except ValueError as exc:
            found.append((node, f"user task due time {DUE_IN_PROPERTY}={value!r} is refused: {exc}; "
                                'write how long people have, such as "PT4H", "P1D" or "P1DT12H" (no quotes)'))
    return found


def _operator_problems(tree: etree._ElementTree, operators: Collection[str]) -> _Found:
    known = ", ".join(sorted(operators)) or "(none registered)"
    found: _Found = []
    for node in _find(tree, ".//spiffworkflow:serviceTaskOperator"):
        operator = node.get("id")
        if not operator:
            found.append((node, f"service task operator has no id; known operators: {known}"))
        elif operator not in operators:
            found.append((node, f"unknown service operator {operator!r}; known operators: {known}"))
    return found


def _validator_problems(tree: etree._ElementTree, validators: Collection[str]) -> _Found:
    known = ", ".join(sorted(validators)) or "(none installed)"
    return [(node, f"user task names validator {node.get('value')!r}, which is not installed; known: {known}")
            for node in _find(tree, ".//bpmn:userTask//spiffworkflow:property[@name='validator']")
            if node.get("value") not in validators]


def _call_problems(tree: etree._ElementTree, processes: Collection[str]) -> _Found:
    found: _Found = []
    for node in _find(tree, ".//bpmn:callActivity"):
        called = node.get("calledElement")
        if not called:
            found.append((node, "call activity has no calledElement"))
        elif called not in processes:
            found.append((node, f"call activity calls process {called!r}, which no deployed file defines"))
    for node, process in children_processes(tree):
        if process not in processes:
            found.append((node, f"starts children of process {process!r}, which no file deployed with it defines"))
    return found
