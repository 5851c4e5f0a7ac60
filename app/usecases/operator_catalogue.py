"""What the modeler offers an analyst to choose from, read from the runtime's own tables: each
service-task operator with its parameters (from the handler's signature) and a line of help (the
first sentence of its docstring), and each user-task validator likewise. Nothing is listed by hand,
so the catalogue and the deploy's check (which takes the same tables) never disagree."""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import partial
from typing import Any

# The parameter types a ``spiffworkflow:parameter`` declares; any other annotation is "any".
PARAMETER_TYPES = ("str", "int", "float", "bool")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s")


@dataclass(frozen=True)
class Parameter:
    name: str
    type: str  # what the diagram's parameter ``type`` attribute says: str, int, float, bool or any
    required: bool
    default: str | None  # Python's repr of the default, for the help line
    annotation: str


@dataclass(frozen=True)
class Entry:
    """An operator or a validator: its name as a diagram writes it, its help line and parameters."""

    name: str
    help: str
    params: tuple[Parameter, ...] = ()
    any_params: bool = False  # takes parameters of any name (``relayflow.set_attributes``)


def operators(handlers: Mapping[str, Callable[..., Any]]) -> list[Entry]:
    """Every operator of the handler table, by name."""
    return [_operator(name, handler) for name, handler in sorted(handlers.items())]


def validators(table: Mapping[str, Callable[..., Any]]) -> list[Entry]:
    """Every user-task validator, by the name a task's ``validator`` property gives."""
    return [Entry(name, help_line(_function(validator))) for name, validator in sorted(table.items())]


def help_line(function: Callable[..., Any]) -> str:
    """The first sentence of a function's docstring, on one line ("" without a docstring)."""
    paragraph = (inspect.getdoc(function) or "").split("\n\n", 1)[0]
    text = " ".join(paragraph.split())
    return _SENTENCE_END.split(text, 1)[0]


def _function(handler: Callable[..., Any]) -> Callable[..., Any]:
    """The function behind a ``partial`` (whose own docstring is the partial class's)."""
    while isinstance(handler, partial):
        handler = handler.func
    return handler


def _operator(name: str, handler: Callable[..., Any]) -> Entry:
    bound = set(handler.keywords) if isinstance(handler, partial) else set()
    signature = inspect.signature(_function(handler))
    listed = list(signature.parameters.values())[1:]  # the first is the ServiceContext the runtime passes
    params = tuple(_parameter(parameter) for parameter in listed
                   if parameter.name not in bound and parameter.kind not in (parameter.VAR_KEYWORD,
                                                                                  parameter.VAR_POSITIONAL))
    any_params = any(parameter.kind == parameter.VAR_KEYWORD for parameter in listed)
    return Entry(name, help_line(_function(handler)), params, any_params)


def _parameter(parameter: inspect.Parameter) -> Parameter:
    annotation = parameter.annotation
    if annotation is inspect.Parameter.empty:
        written = "any"
    else:
        written = annotation if isinstance(annotation, str) else getattr(annotation, "__name__", str(annotation))
    required = parameter.default is inspect.Parameter.empty
    return Parameter(parameter.name, written if written in PARAMETER_TYPES else "any", required,
                     None if required else repr(parameter.default), written)
