"""BPMN expressions and scripts, compiled and run under RestrictedPython.

SpiffWorkflow's default environment runs conditions, scripts, timer expressions and
service-task parameters with plain ``eval``/``exec`` (notes §7). Everything here goes
through ``compile_restricted_*`` instead: no imports, no ``open``, no ``_``/dunder
attribute access, ``str.format`` refused; only whitelisted helpers are visible by name.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Mapping
from functools import lru_cache
from types import CodeType
from typing import Any

from RestrictedPython.compile import compile_restricted_eval, compile_restricted_exec
from RestrictedPython.Eval import default_guarded_getitem, default_guarded_getiter
from RestrictedPython.Guards import (
    full_write_guard,
    guarded_iter_unpack_sequence,
    guarded_unpack_sequence,
    safe_builtins,
    safer_getattr,
)
from SpiffWorkflow.bpmn.script_engine import TaskDataEnvironment


class RestrictedExpressionError(ValueError):
    """An expression or script that the restricted compiler refuses."""


_INPLACE_OPERATORS: dict[str, Callable[[object, object], object]] = {
    "+=": operator.iadd,
    "-=": operator.isub,
    "*=": operator.imul,
    "/=": operator.itruediv,
    "//=": operator.ifloordiv,
    "%=": operator.imod,
    "|=": operator.ior,
    "&=": operator.iand,
}


def _inplace_var(op: str, target: object, value: object) -> object:
    try:
        return _INPLACE_OPERATORS[op](target, value)
    except KeyError:
        raise RestrictedExpressionError(f"operator {op} is not allowed") from None


_EXTRA_BUILTINS: dict[str, object] = {
    "dict": dict, "list": list, "set": set, "frozenset": frozenset,
    "min": min, "max": max, "sum": sum, "any": any, "all": all,
    "enumerate": enumerate, "map": map, "filter": filter, "reversed": reversed,
    "getattr": safer_getattr,
}

RESTRICTED_BUILTINS: dict[str, object] = {**safe_builtins, **_EXTRA_BUILTINS}
RESTRICTED_GLOBALS: dict[str, object] = {
    "__builtins__": RESTRICTED_BUILTINS,
    "_getattr_": safer_getattr,
    "_getitem_": default_guarded_getitem,
    "_getiter_": default_guarded_getiter,
    "_iter_unpack_sequence_": guarded_iter_unpack_sequence,
    "_unpack_sequence_": guarded_unpack_sequence,
    "_write_": full_write_guard,
    "_inplacevar_": _inplace_var,
}


@lru_cache(maxsize=8192)
def compile_expression(source: str) -> CodeType:
    """Compile one expression (condition, parameter, timer, correlation) or raise."""
    result = compile_restricted_eval(source.strip())
    if result.errors or result.code is None:
        raise RestrictedExpressionError("; ".join(result.errors) or "does not compile")
    return result.code


@lru_cache(maxsize=2048)
def compile_script(source: str) -> CodeType:
    """Compile one script (script task, pre/post script) or raise."""
    result = compile_restricted_exec(source)
    if result.errors or result.code is None:
        raise RestrictedExpressionError("; ".join(result.errors) or "does not compile")
    return result.code


class RestrictedEnvironment(TaskDataEnvironment):  # type: ignore[misc]  # the library is untyped
    """The script environment every instance runs in: restricted code, named helpers."""

    def __init__(self, helpers: Mapping[str, Callable[..., object]] | None = None) -> None:
        super().__init__({**RESTRICTED_GLOBALS, **(helpers or {})})

    def evaluate(self, expression: str, context: dict[str, Any],
                 external_context: Mapping[str, object] | None = None) -> Any:
        code = compile_expression(expression)
        scope = dict(self.globals)
        scope.update(external_context or {})
        scope.update(context)
        return eval(code, scope)  # noqa: S307 - restricted bytecode, guarded globals

    def execute(self, script: str, context: dict[str, Any],
                external_context: Mapping[str, object] | None = None) -> bool:
        code = compile_script(script)
        self.check_for_overwrite(context, external_context or {})
        context.update(self.globals)
        context.update(external_context or {})
        try:
            exec(code, context)  # noqa: S102 - restricted bytecode, guarded globals
        finally:
            self._remove_globals_and_functions_from_context(context, external_context)
        return True
