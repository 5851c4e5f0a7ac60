"""Babel extraction from the diagrams (``bpmn/*.bpmn``, see ``babel.cfg``): the names the pages
translate — the ``name`` of each process, of every step (tasks, events, gateways, sub-processes)
and of every flow, as the audit and instance pages and the diagrams show them, and a user task's
instructions to the person (``spiffworkflow:instructionsForEndUser``). Lanes are named in Chinese
in the diagram itself; messages' names are ids the engine matches, never shown as words.

The English names keep their rule codes ("Approve: opinion (M4.2)"), the analysts' reference to
the manual; the Chinese catalog leaves them out of the names operators read."""

from __future__ import annotations

from collections.abc import Collection, Iterator, Mapping
from typing import IO, Any

from lxml import etree

BPMN = "{http://www.omg.org/spec/BPMN/20100524/MODEL}"
SPIFF = "{http://spiffworkflow.org/bpmn/schema/1.0/core}"
NAMED = tuple(f"{BPMN}{tag}" for tag in (
    "process", "userTask", "serviceTask", "scriptTask", "manualTask", "businessRuleTask", "sendTask", "receiveTask",
    "task", "callActivity", "subProcess", "startEvent", "endEvent", "intermediateCatchEvent",
    "intermediateThrowEvent", "boundaryEvent", "exclusiveGateway", "parallelGateway", "inclusiveGateway",
    "eventBasedGateway", "complexGateway", "sequenceFlow"))
INSTRUCTIONS = f"{SPIFF}instructionsForEndUser"


def extract(fileobj: IO[bytes], keywords: Mapping[str, Any], comment_tags: Collection[str],
            options: Mapping[str, Any]) -> Iterator[tuple[int, str | None, str, list[str]]]:
    """Babel's extraction method interface: (line, function name, message, comments)."""
    tree = etree.parse(fileobj, etree.XMLParser(resolve_entities=False, no_network=True))
    for node in tree.iter(*NAMED, INSTRUCTIONS):
        text = node.text if node.tag == INSTRUCTIONS else node.get("name")
        if text:
            yield node.sourceline or 0, None, text, []
