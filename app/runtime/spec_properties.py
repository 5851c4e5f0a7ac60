"""An element's properties as an analyst names them, read from the serializer's converted dict of
its task spec: ``loop_maximum``, ``timer``, ``operator``, ``parameter:<name>``, ``property:<name>``
(due_in, validator, form, role...), ``condition:<target>``, ``name``... Each value is a short text.

Where one BPMN property lives twice in the dict (a service task's operator is both
``operation_name`` and ``extensions.serviceTaskOperator``), only one is read.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

# Dict keys that are the engine's bookkeeping or repeat another key.
_SKIPPED = frozenset({"name", "bpmn_id", "description", "lookahead", "manual", "typename", "data_input_associations",
                      "data_output_associations", "choice", "task_spec", "split_task", "threshold"})
_SKIPPED_EXTENSIONS = frozenset({"serviceTaskOperator", "postScript", "preScript", "messageVariable",
                                 "processVariableCorrelation", "properties"})
_PLAIN = {"bpmn_name": "name", "lane": "lane", "documentation": "documentation", "maximum": "loop_maximum",
          "condition": "loop_condition", "operation_name": "operator", "result_variable": "result_variable",
          "prescript": "prescript", "postscript": "postscript", "script": "script", "variable": "form_variable",
          "default_task_spec": "default_flow", "inputs": "incoming", "outputs": "outgoing",
          "cancel_activity": "interrupting", "spec": "called_process", "io_specification": "data_io",
          "cardinality": "cardinality", "data_input": "input_collection", "data_output": "output_collection",
          "input_item": "input_item", "output_item": "output_item", "completion_condition": "completion_condition",
          "test_before": "loop_tests_first"}
_QUOTED = re.compile(r"(['\"])[^'\"]*\1")
_EVENT = {"expression": "timer", "message_var": "message_variable", "message_name": "message"}


@dataclass(frozen=True)
class PropertyChange:
    """One property of an element, before and after ("" where it is not set)."""

    name: str
    old: str
    new: str


def readable_properties(converted: Mapping[str, Any], keys: Iterable[str] | None = None) -> dict[str, str]:
    """The element's properties (of the dict keys ``keys``, or all of them), by readable name."""
    found: dict[str, str] = {}
    for key in keys if keys is not None else converted:
        if key in _SKIPPED or key not in converted:
            continue
        value = converted[key]
        if key == "event_definition":
            found.update(_event_definition(value))
        elif key == "extensions":
            found.update(_extensions(value))
        elif key == "operation_params":
            found.update({f"parameter:{name}": _text(param.get("value") if isinstance(param, Mapping) else param)
                          for name, param in (value or {}).items()})
        elif key == "decision_table":
            found["decision_table"] = _decision_table(value)
        elif key == "cond_task_specs":
            found.update({f"condition:{item.get('task_spec')}": _text(item.get("condition"))
                          for item in value or [] if item.get("condition") is not None})
        else:
            found[_PLAIN.get(key, key)] = _text(value)
    return found


def property_changes(old: Mapping[str, Any], new: Mapping[str, Any], keys: Iterable[str]) -> tuple[PropertyChange, ...]:
    """Old → new of the properties held in the dict keys SpiffWorkflow found changed (a change of
    kind — a task that became a gateway — is reported as the property ``type``)."""
    keys = list(keys)
    if "typename" in keys:
        return (PropertyChange("type", _text(old.get("typename")), _text(new.get("typename"))),)
    before, after = readable_properties(old, keys), readable_properties(new, keys)
    return tuple(PropertyChange(name, before.get(name, ""), after.get(name, ""))
                 for name in dict.fromkeys([*before, *after]) if before.get(name, "") != after.get(name, ""))


def _event_definition(value: Any) -> dict[str, str]:
    if not isinstance(value, Mapping):
        return {}
    found: dict[str, str] = {}
    kind = str(value.get("typename", ""))
    if "Message" in kind:
        found["message"] = _text(value.get("name"))
        correlations = value.get("process_correlations") or value.get("correlation_properties") or []
        found["correlation"] = ", ".join(f"{c.get('name')} = {c.get('retrieval_expression')}"
                                         for c in correlations if isinstance(c, Mapping))
    elif kind and "Timer" not in kind and value.get("name") is not None:
        found["event"] = _text(value.get("name"))
    for key, label in _EVENT.items():
        if value.get(key) is not None:
            found[label] = _text(value.get(key))
    if "Timer" in kind and _QUOTED.fullmatch(found.get("timer", "")):
        found["timer"] = found["timer"][1:-1]  # a literal ISO 8601 value, shown as the analyst wrote it
    return found


def _decision_table(value: Any) -> str:
    """A business rule task's table in a few words and a fingerprint of its content: the compare
    page shows the table's changes rule by rule (``decision_compare``), not the engine's dict."""
    if not isinstance(value, Mapping):
        return _text(value)
    digest = hashlib.sha256(json.dumps(value, sort_keys=True, default=str).encode()).hexdigest()[:8]
    return f"{value.get('id', '')} ({value.get('hit_policy', '')}, {len(value.get('rules') or [])} rules, #{digest})"


def _extensions(value: Any) -> dict[str, str]:
    if not isinstance(value, Mapping):
        return {}
    found = {f"property:{name}": _text(v) for name, v in (value.get("properties") or {}).items()}
    found.update({key: _text(v) for key, v in value.items() if key not in _SKIPPED_EXTENSIONS})
    return found


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, list | tuple) and all(isinstance(v, str) for v in value):
        return ", ".join(value)
    return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)
