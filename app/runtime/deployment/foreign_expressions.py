"""Expressions other modelers write — JUEL (``${approved}``), FEEL (``= approved``), XPath
(``bpmn:getDataObject('clarified') = 'yes'``) — and the Python to write instead (issue 10 item 12).
Only what an analyst is told: the engine never runs the translation."""

from __future__ import annotations

import re

_JUEL = re.compile(r"\s*[$#]\{(.*)\}\s*", re.DOTALL)  # Camunda 7, Activiti, Flowable
_FEEL = re.compile(r"\s*=(?!=)(.*)", re.DOTALL)  # Camunda 8
_XPATH_DATA = re.compile(r"bpmn:getDataObject\(\s*(['\"])(\w+)\1\s*\)")
_SHARED = ((re.compile(r"\btrue\b"), "True"), (re.compile(r"\bfalse\b"), "False"), (re.compile(r"\bnull\b"), "None"),
           (re.compile(r"&&"), "and"), (re.compile(r"\|\|"), "or"), (re.compile(r"!(?!=)"), "not "))
_SINGLE_EQUALS = re.compile(r"(?<![=!<>])=(?!=)")


def python_for(source: str) -> tuple[str, str] | None:
    """(the language the expression is written in, the same in Python), or None if it is neither."""
    found = _JUEL.fullmatch(source) or _FEEL.fullmatch(source)
    if found is not None:
        return "JUEL/FEEL", _spelt_in_python(found.group(1), equals=False)
    if _XPATH_DATA.search(source):
        return "XPath", _spelt_in_python(_XPATH_DATA.sub(r"\2", source), equals=True)
    return None


def _spelt_in_python(expression: str, *, equals: bool) -> str:
    for pattern, replacement in _SHARED:
        expression = pattern.sub(replacement, expression)
    if equals:  # XPath compares with a single "="
        expression = _SINGLE_EQUALS.sub("==", expression)
    return " ".join(expression.split())
