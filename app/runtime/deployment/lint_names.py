"""Names BPMN code uses that the restricted environment will not provide (issue 10 item 11).

A script calling ``open(...)``, ``compile``, ``globals()``... compiles under RestrictedPython and
fails only when an instance reaches it, as an incident. Whether a name is a process variable is
known only where the file itself defines it (a script assigns it, a result or message variable, a
data object) — start data and form fields are not in the file — so the check refuses what it can
know: a *call* of a Python built-in the environment lacks (task data holds no functions, so it is
the built-in), and any use of the built-ins that only ever mean themselves.
"""

from __future__ import annotations

import ast
import builtins

from lxml import etree

from app.runtime.deployment.bpmn_code import CodeSite, code_sites, script_sites
from app.runtime.deployment.bpmn_source import NSMAP, DeployProblem, owner_id
from app.runtime.engine.expressions import RESTRICTED_BUILTINS, RESTRICTED_GLOBALS

PROVIDED = frozenset(RESTRICTED_BUILTINS) | frozenset(RESTRICTED_GLOBALS)
NOT_PROVIDED = frozenset(name for name in dir(builtins) if not name.startswith("_")) - PROVIDED
# Built-ins no data variable is plausibly named like: refused even when only referenced (``run = exec``).
NEVER_DATA = frozenset({"open", "eval", "exec", "compile", "globals", "locals", "vars", "breakpoint",
                        "exit", "quit", "help", "memoryview", "__import__"})
_DEFINED_BY_ATTRIBUTE = (
    (".//spiffworkflow:serviceTaskOperator", "resultVariable"),
    (".//bpmn:dataObject", "id"), (".//bpmn:dataObject", "name"),
    (".//bpmn:dataInput", "name"), (".//bpmn:dataOutput", "name"),
    (".//bpmn:inputDataItem", "name"), (".//bpmn:outputDataItem", "name"),
)


def unavailable_name_problems(file: str, tree: etree._ElementTree) -> list[DeployProblem]:
    """Every use of a built-in the environment lacks, at the file line that uses it."""
    defined = variables_defined(tree)
    problems = []
    for site in code_sites(tree):
        for node, called in _unavailable(site, defined):
            verb, shown = ("calls", f"{node.id}()") if called else ("uses", node.id)
            problems.append(DeployProblem(file, site.line_of(node.lineno), owner_id(site.node),
                                          f"{site.label} {verb} {shown}, a Python built-in the restricted "
                                          "environment does not provide"))
    return problems


def variables_defined(tree: etree._ElementTree) -> set[str]:
    """The process variables the file itself can create."""
    names = {str(value) for path, attribute in _DEFINED_BY_ATTRIBUTE
             for value in tree.xpath(f"{path.replace('.//', '//')}/@{attribute}", namespaces=NSMAP)}
    names |= {(node.text or "").strip() for node in tree.iterfind(".//spiffworkflow:messageVariable",
                                                                     namespaces=NSMAP)}
    for site in script_sites(tree):
        names |= _assigned(_parsed(site))
    return names


def _unavailable(site: CodeSite, defined: set[str]) -> list[tuple[ast.Name, bool]]:
    tree = _parsed(site)
    known = defined | _assigned(tree)
    called = {id(node.func) for node in ast.walk(tree) if isinstance(node, ast.Call)}
    return [(node, id(node) in called) for node in ast.walk(tree)
            if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load) and node.id not in known
            and (node.id in NEVER_DATA or (node.id in NOT_PROVIDED and id(node) in called))
            and not _refused_by_the_compiler(node, id(node) in called)]


def _refused_by_the_compiler(node: ast.Name, called: bool) -> bool:
    """RestrictedPython names these itself (the lint reports its refusal): not twice."""
    return node.id.startswith("_") or node.id == "breakpoint" or (called and node.id in ("eval", "exec"))


def _parsed(site: CodeSite) -> ast.AST:
    source = site.source if site.is_script else site.source.strip()
    try:
        return ast.parse(source, mode="exec" if site.is_script else "eval")
    except SyntaxError:  # the lint reports it
        return ast.Module(body=[], type_ignores=[])


def _assigned(tree: ast.AST) -> set[str]:
    names = {node.id for node in ast.walk(tree) if isinstance(node, ast.Name) and not isinstance(node.ctx, ast.Load)}
    names |= {node.name for node in ast.walk(tree) if isinstance(node, ast.FunctionDef | ast.ClassDef)}
    return names | {node.arg for node in ast.walk(tree) if isinstance(node, ast.arg)}
