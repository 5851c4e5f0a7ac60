"""The diagrams' names in the catalog, both ways. Babel extracts them from ``bpmn/*.bpmn`` (see
``babel.cfg``): every label the diagram draws — the process, the pool, each flow node and sequence
flow — and a user task's instructions to the person (``spiffworkflow:instructionsForEndUser``).
``translated_labels`` is the viewers' label layer: the same names, each replaced by the catalog's
translation in the page's language (a name the catalog lacks stays as written). Names without a
Latin letter (the lanes' 审批人) are already in the operators' language and are not extracted.

The English names keep their rule codes ("Approve: opinion (M4.2)"), the analysts' reference to
the manual; the Chinese catalog leaves them out of the names operators read."""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Iterator, Mapping
from typing import IO, Any

from lxml import etree

BPMN = "{http://www.omg.org/spec/BPMN/20100524/MODEL}"
SPIFF = "{http://spiffworkflow.org/bpmn/schema/1.0/core}"
INSTRUCTIONS = f"{SPIFF}instructionsForEndUser"
# BPMN elements with a name that the diagram never draws (definitions other elements refer to)
NOT_DRAWN = frozenset(f"{BPMN}{name}" for name in (
    "message", "signal", "error", "escalation", "itemDefinition", "interface", "operation", "dataStore",
    "resource", "correlationProperty", "correlationKey", "collaboration", "definitions", "laneSet"))
LATIN = re.compile("[A-Za-z]")
PARSER = etree.XMLParser(resolve_entities=False, no_network=True)


def labelled(tree: etree._ElementTree) -> Iterator[etree._Element]:
    """The elements whose ``name`` the diagram draws and the catalog translates."""
    for node in tree.iter(f"{BPMN}*"):
        name = node.get("name")
        if node.tag not in NOT_DRAWN and name and LATIN.search(name):
            yield node


def extract(fileobj: IO[bytes], keywords: Mapping[str, Any], comment_tags: Collection[str],
            options: Mapping[str, Any]) -> Iterator[tuple[int, str | None, str, list[str]]]:
    """Babel's extraction method interface: (line, function name, message, comments)."""
    tree = etree.parse(fileobj, PARSER)
    for node in labelled(tree):
        yield node.sourceline or 0, None, node.get("name", ""), []
    for node in tree.iter(INSTRUCTIONS):
        if node.text:
            yield node.sourceline or 0, None, node.text, []


def translated_labels(xml: str, translate: Callable[[str], str]) -> str:
    """The diagram with every drawn name replaced by ``translate(name)`` (gettext in the page's
    language); ids, flows and layout untouched. XML that does not parse is returned as it is: the
    viewer then reports it, as it would the original."""
    try:
        tree = etree.ElementTree(etree.fromstring(xml.encode("utf-8"), PARSER))
    except etree.XMLSyntaxError:
        return xml
    for node in labelled(tree):
        node.set("name", translate(node.get("name", "")))
    return etree.tostring(tree, encoding="unicode")
