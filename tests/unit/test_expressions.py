"""Expressions and scripts run restricted: no imports, no open, no dunder access (notes §7)."""

from __future__ import annotations

from typing import Any

import pytest

from app.runtime.engine.expressions import RestrictedEnvironment, RestrictedExpressionError, compile_expression


@pytest.fixture
def env() -> RestrictedEnvironment:
    return RestrictedEnvironment({"is_business_day": lambda day: day < 5})


def test_conditions_over_task_data_and_named_helpers(env: RestrictedEnvironment) -> None:
    data: dict[str, Any] = {"result": {"status": "accepted"}, "day": 2, "items": [3, 4]}
    assert env.evaluate("result['status'] == 'accepted' and is_business_day(day)", data) is True
    assert env.evaluate("sum([i * 2 for i in items])", data) == 14
    assert env.evaluate("f'{day:02d}'", data) == "02"
    assert env.evaluate("result.get('missing', 'x')", data) == "x"


def test_scripts_assign_loop_and_mutate_and_leave_no_helpers_behind(env: RestrictedEnvironment) -> None:
    data: dict[str, Any] = {"attempt": 0, "log": []}
    env.execute("attempt += 1\nfor n in range(3):\n    log.append(n)\nsummary = {'n': len(log)}", data)
    assert data == {"attempt": 1, "log": [0, 1, 2], "n": 2, "summary": {"n": 3}}


@pytest.mark.parametrize(("source", "message"), [
    ("__import__('os').getpid()", "__import__"),
    ("().__class__.__base__.__subclasses__()", "__class__"),
    ("day.__class__", "__class__"),
    ("eval('1')", "Eval calls are not allowed"),
])
def test_dunder_access_and_eval_are_refused_when_compiled(source: str, message: str) -> None:
    with pytest.raises(RestrictedExpressionError, match=message):
        compile_expression(source)


@pytest.mark.parametrize(("source", "error"), [
    ("open('/etc/passwd').read()", NameError),
    ("getattr(day, '_' + '_class_' + '_')", AttributeError),
    ("'{0.__class__}'.format(day)", NotImplementedError),
])
def test_escapes_that_compile_are_refused_when_run(env: RestrictedEnvironment, source: str,
                                                   error: type[Exception]) -> None:
    with pytest.raises(error):
        env.evaluate(source, {"day": 1})


def test_import_in_a_script_is_refused_when_run(env: RestrictedEnvironment) -> None:
    with pytest.raises(ImportError):
        env.execute("import os\npid = os.getpid()", {})


def test_task_data_may_not_shadow_a_helper(env: RestrictedEnvironment) -> None:
    with pytest.raises(ValueError, match="is_business_day"):
        env.execute("x = 1", {"is_business_day": True})
