"""The FEEL that decision tables are written in (dmn-js writes FEEL) as the Python expressions
SpiffWorkflow evaluates, for the simple cells analysts write (issue 16):

- input entries (unary tests): ``-`` or empty (any), a literal (``"household"``, ``8``, ``true``),
  a comparison (``< 15``, ``>= 8``), an interval (``[8..15[``, ``[8..15)``, ``]0..1]``), a list of
  those (``"weekend","holiday"``: any of them), ``not(…)`` of any of these;
- output entries: literals (``true``, ``false``, ``null``, numbers, strings).

A cell that is none of these is left as it is: a Python expression over ``?`` (``8 <= ? < 15``) is
what SpiffWorkflow reads natively. Both the deploy and the replay go through ``parse_bundle``,
which translates a copy of the tree: the stored file (and its hash) is what the analyst wrote.
"""

from __future__ import annotations

import ast
import re

from lxml import etree

from app.runtime.deployment.bpmn_source import DMN_NAMESPACES

_LITERALS = {"true": "True", "false": "False", "null": "None"}
_NUMBER = r"-?\d+(?:\.\d+)?"
_STRING = r'"(?:[^"\\]|\\.)*"'
_LITERAL = re.compile(rf"^(?:{_NUMBER}|{_STRING}|true|false|null)$")
_COMPARISON = re.compile(rf"^(<=|>=|<|>|=|!=)\s*({_NUMBER}|{_STRING})$")
_INTERVAL = re.compile(rf"^([\[\]\(])\s*({_NUMBER})\s*\.\.\s*({_NUMBER})\s*([\[\]\)])$")
_NOT = re.compile(r"^not\s*\((.*)\)$", re.S)


def python_literal(text: str) -> str | None:
    """A FEEL literal as Python (``true`` → ``True``), or None if ``text`` is not one."""
    text = text.strip()
    return _LITERALS.get(text, text) if _LITERAL.match(text) else None


def unary_tests(text: str) -> str | None:
    """A FEEL unary-tests cell as a Python expression over ``?`` ('' for "any"), or None when the
    cell is not in this subset (then it is handed to the engine as written)."""
    text = text.strip()
    if text in ("", "-"):
        return ""
    negated = _NOT.match(text)
    if negated:
        inner = unary_tests(negated.group(1))
        return f"not ({inner})" if inner else None
    parts = _split_list(text)
    if parts is None:
        return None
    tests = [_one_test(part) for part in parts]
    if any(test is None for test in tests):
        return None
    return " or ".join(f"({test})" for test in tests) if len(tests) > 1 else tests[0]


def unreadable_cells(tree: etree._ElementTree) -> list[tuple[int | None, str]]:
    """(line, text) of each input cell that is neither FEEL of this subset nor a Python expression
    the engine can read (over ``?``, or completing ``value <cell>``, as in ``> limit``)."""
    found = []
    for namespace in DMN_NAMESPACES:
        for cell in tree.iterfind(f".//{{{namespace}}}inputEntry/{{{namespace}}}text"):
            text = (cell.text or "").strip()
            if unary_tests(text) is None and not _python(text.replace("?", "value")) and not _python(f"value {text}"):
                found.append((cell.sourceline, text))
    return found


def _python(source: str) -> bool:
    try:
        ast.parse(source, mode="eval")
    except SyntaxError:
        return False
    return True


def translate_tables(tree: etree._ElementTree) -> None:
    """Rewrite, in place, the cells of a DMN tree that are FEEL of this subset."""
    for namespace in DMN_NAMESPACES:
        for cell in tree.iterfind(f".//{{{namespace}}}inputEntry/{{{namespace}}}text"):
            translated = unary_tests(cell.text or "")
            if translated is not None:
                cell.text = translated or "-"  # the engine's own "any"
        for cell in tree.iterfind(f".//{{{namespace}}}outputEntry/{{{namespace}}}text"):
            literal = python_literal(cell.text or "")
            if literal is not None:
                cell.text = literal


def _one_test(text: str) -> str | None:
    literal = python_literal(text)
    if literal is not None:
        return f"? == {literal}"
    compared = _COMPARISON.match(text)
    if compared:
        operator = "==" if compared.group(1) == "=" else compared.group(1)
        return f"? {operator} {compared.group(2)}"
    interval = _INTERVAL.match(text)
    if interval:
        opening, low, high, closing = interval.groups()
        low_op = "<=" if opening == "[" else "<"
        high_op = "<=" if closing == "]" else "<"
        return f"{low} {low_op} ? {high_op} {high}"
    return None


def _split_list(text: str) -> list[str] | None:
    """The comma-separated tests of a cell (commas inside strings or intervals do not count)."""
    parts: list[str] = []
    current: list[str] = []
    quoted = in_interval = False
    for char in text:
        if char == '"' and (not current or current[-1] != "\\"):
            quoted = not quoted
        elif not quoted and char in "[]()":
            if not in_interval and not "".join(current).strip():
                in_interval = True  # an interval opens the test
            elif in_interval and ".." in "".join(current):
                in_interval = False
        if char == "," and not quoted and not in_interval:
            parts.append("".join(current).strip())
            current = []
            continue
        current.append(char)
    parts.append("".join(current).strip())
    return None if quoted or any(not part for part in parts) else parts
