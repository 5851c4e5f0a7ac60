"""Where a BPMN file holds Python code: conditions, scripts, correlation and payload expressions,
service-task parameters, whom a user task is offered to — each with what an analyst calls it. The
deploy lints read code from here."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from lxml import etree

from app.runtime.deployment.bpmn_source import NSMAP
from app.runtime.engine.projection import OFFER_TO_PROPERTY

# (where the code is, what an analyst calls it)
_EXPRESSIONS: tuple[tuple[str, str], ...] = (
    (".//bpmn:sequenceFlow/bpmn:conditionExpression", "condition"),
    (".//bpmn:standardLoopCharacteristics/bpmn:loopCondition", "loop condition"),
    (".//bpmn:completionCondition", "completion condition"),
    (".//bpmn:loopCardinality", "loop cardinality"),
    (".//bpmn:conditionalEventDefinition/bpmn:condition", "event condition"),
    (".//bpmn:correlationPropertyRetrievalExpression/bpmn:formalExpression", "correlation expression"),
    # SpiffWorkflow's validator renames formalExpression to messagePath in place.
    (".//bpmn:correlationPropertyRetrievalExpression/bpmn:messagePath", "correlation expression"),
    (".//spiffworkflow:processVariableCorrelation/spiffworkflow:expression", "correlation expression"),
    (".//spiffworkflow:messagePayload", "message payload"),
    (".//spiffworkflow:payloadExpression", "payload expression"),
)
_SCRIPTS: tuple[tuple[str, str], ...] = (
    (".//bpmn:scriptTask/bpmn:script", "script"),
    (".//spiffworkflow:preScript", "pre-script"),
    (".//spiffworkflow:postScript", "post-script"),
)


@dataclass(frozen=True)
class CodeSite:
    node: etree._Element
    label: str  # "condition", "script", "service parameter 'text'"...
    source: str
    is_script: bool  # statements (exec) rather than one expression (eval)

    def line_of(self, lineno: int) -> int | None:
        """The file line of the source's line ``lineno`` (the text starts on the element's line)."""
        return None if self.node.sourceline is None else self.node.sourceline + lineno - 1


def code_sites(tree: etree._ElementTree) -> Iterator[CodeSite]:
    """Every piece of non-empty code in the file, expressions first, then scripts, then parameters."""
    for paths, is_script in ((_EXPRESSIONS, False), (_SCRIPTS, True)):
        for path, label in paths:
            for node in tree.iterfind(path, namespaces=NSMAP):
                if node.text and node.text.strip():
                    yield CodeSite(node, label, node.text, is_script)
    for node in tree.iterfind(".//spiffworkflow:serviceTaskOperator//spiffworkflow:parameter", namespaces=NSMAP):
        value = node.get("value")
        if value is not None:
            yield CodeSite(node, f"service parameter {node.get('id', '')!r}", value, False)
    offers = f".//bpmn:userTask//spiffworkflow:property[@name='{OFFER_TO_PROPERTY}']"
    for node in tree.iterfind(offers, namespaces=NSMAP):
        yield CodeSite(node, f"user task property {OFFER_TO_PROPERTY!r}", node.get("value") or "", False)


def script_sites(tree: etree._ElementTree) -> Iterator[CodeSite]:
    return (site for site in code_sites(tree) if site.is_script)
