"""User tasks at deploy: each has a form (a page people can complete, never only an API), its
``form`` schema is a JSON Schema the app can draw, and ``max_customers`` is a positive integer; a start
event's ``draft_until`` names a user task of its process (else a draft could never be sent on)."""

from __future__ import annotations

from lxml import etree

from app.runtime.deployment.bpmn_source import NSMAP
from app.runtime.form_schema import FORM_PROPERTY, UI_HINTS, is_schema_text, schema_problem
from app.runtime.forms import VALIDATOR_PROPERTY

MAX_CUSTOMERS_PROPERTY = "max_customers"
DRAFT_UNTIL_PROPERTY = "draft_until"
_Found = list[tuple[etree._Element, str]]


def form_problems(tree: etree._ElementTree) -> _Found:
    found: _Found = []
    for task in tree.iterfind(".//bpmn:userTask", NSMAP):
        properties = _properties(task)
        if not properties.get(VALIDATOR_PROPERTY) and not properties.get(FORM_PROPERTY):
            label = f" {task.get('name')!r}" if task.get("name") else ""
            found.append((task, (
                f"user task{label} has neither a {VALIDATOR_PROPERTY} nor a {FORM_PROPERTY}: its page could not be "
                f"completed; give it a {FORM_PROPERTY} (a JSON Schema of its fields, x-ui hints: "
                f"{', '.join(UI_HINTS)}) or a {VALIDATOR_PROPERTY}")))
    for node in _property_nodes(tree, FORM_PROPERTY):
        value = node.get("value") or ""
        if is_schema_text(value):
            problem = schema_problem(value)
            if problem:
                found.append((node, problem))
    return found


def max_customers_problems(tree: etree._ElementTree) -> _Found:
    found: _Found = []
    for node in _property_nodes(tree, MAX_CUSTOMERS_PROPERTY):
        value = (node.get("value") or "").strip()
        if not (value.isascii() and value.isdigit() and int(value) > 0):
            found.append((node, f"{MAX_CUSTOMERS_PROPERTY}={value!r} must be a positive whole number, such as 500: "
                                "how many customers one batch may hold"))
    return found


def draft_until_problems(tree: etree._ElementTree) -> _Found:
    found: _Found = []
    for process in tree.iterfind(".//bpmn:process", NSMAP):
        tasks = {task.get("id") for task in process.iterfind(".//bpmn:userTask", NSMAP)}
        for start in process.iterfind(".//bpmn:startEvent", NSMAP):
            for node in start.iterfind(f".//spiffworkflow:property[@name='{DRAFT_UNTIL_PROPERTY}']", NSMAP):
                value = (node.get("value") or "").strip()
                if value not in tasks:
                    found.append((node, f"{DRAFT_UNTIL_PROPERTY}={value!r} names no user task of this process: a "
                                        "case would stay a draft for ever; name the task that sends it on, such "
                                        "as apply"))
    return found


def _property_nodes(tree: etree._ElementTree, name: str) -> list[etree._Element]:
    return list(tree.iterfind(f".//spiffworkflow:property[@name='{name}']", NSMAP))


def _properties(task: etree._Element) -> dict[str, str]:
    return {str(p.get("name")): str(p.get("value") or "")
            for p in task.iterfind("bpmn:extensionElements/spiffworkflow:properties/spiffworkflow:property", NSMAP)}
