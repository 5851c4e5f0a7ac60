"""Babel extraction from the diagrams (``bpmn/*.bpmn``, see ``babel.cfg``): the names the pages
translate — each process's and user task's ``name`` and a user task's instructions to the person
(``spiffworkflow:instructionsForEndUser``). Other elements' names (gateways, service tasks, flows)
are the analysts' notes in the diagram; the pages show them as written."""

from __future__ import annotations

from collections.abc import Collection, Iterator, Mapping
from typing import IO, Any

from lxml import etree

BPMN = "{http://www.omg.org/spec/BPMN/20100524/MODEL}"
SPIFF = "{http://spiffworkflow.org/bpmn/schema/1.0/core}"
NAMED = (f"{BPMN}process", f"{BPMN}userTask")
INSTRUCTIONS = f"{SPIFF}instructionsForEndUser"


def extract(fileobj: IO[bytes], keywords: Mapping[str, Any], comment_tags: Collection[str],
            options: Mapping[str, Any]) -> Iterator[tuple[int, str | None, str, list[str]]]:
    """Babel's extraction method interface: (line, function name, message, comments)."""
    tree = etree.parse(fileobj, etree.XMLParser(resolve_entities=False, no_network=True))
    for node in tree.iter(*NAMED, INSTRUCTIONS):
        text = node.text if node.tag == INSTRUCTIONS else node.get("name")
        if text:
            yield node.sourceline or 0, None, text, []
