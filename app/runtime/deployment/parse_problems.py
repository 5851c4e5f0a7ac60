"""SpiffWorkflow's parse errors as an analyst reads them (issue 10 item 12).

The library's messages name its internals (``NodeParser.raise_validation_exception()``), quote raw
XML or object reprs (``<Element bpmn:sourceRef at 0x7f…>``), stop mid-sentence ("not supported for
tasks of type"), blame the wrong element (a flow to a missing target is reported on its source) or
carry no line at all (data stores). Each message we know is explained here in one sentence at the
element the analyst must change; any other is cleaned of reprs and raw XML and located by its id.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable

from lxml import etree
from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException

from app.runtime.deployment.bpmn_source import BPMN_NS, NSMAP, SPIFF_NS, DeployProblem, owner_id

_Located = tuple[etree._Element | None, str]  # (the element to blame, the sentence)
_Explain = Callable[[re.Match[str], etree._ElementTree, str | None], _Located | None]

_DATA_STORES_ADVICE = "relayflow provides no data stores; keep the data in process variables"
_EVENT_REFS = (("messageEventDefinition", "messageRef", "message"), ("signalEventDefinition", "signalRef", "signal"),
               ("errorEventDefinition", "errorRef", "error"), ("escalationEventDefinition", "escalationRef",
                                                                  "escalation"))


def problem_from(exc: Exception, fallback_file: str, trees: dict[str, etree._ElementTree]) -> DeployProblem:
    """One problem for one library exception, in the file it names (else ``fallback_file``)."""
    validation = isinstance(exc, ValidationException)
    file = (exc.file_name if validation else "") or fallback_file  # type: ignore[attr-defined]
    element_id = (exc.id if validation else None) or None  # type: ignore[attr-defined]
    line = exc.line_number if validation and isinstance(exc.line_number, int) else None  # type: ignore[attr-defined]
    message = _library_text(exc)
    tree = trees.get(file)
    if tree is not None:
        for pattern, explain in _EXPLAINED:
            match = pattern.search(message)
            located = explain(match, tree, element_id) if match else None
            if located is not None:
                node, sentence = located
                return DeployProblem(file, None if node is None else node.sourceline,
                                     None if node is None else owner_id(node), sentence)
        if line is None and element_id is not None:
            line = next((node.sourceline for node in with_id(tree, element_id)), None)
        if element_id is None and line is not None:
            element_id = _id_at_line(tree, line)
    return DeployProblem(file, line, element_id, _cleaned(message, exc))


def with_id(tree: etree._ElementTree, element_id: str) -> list[etree._Element]:
    return list(tree.xpath("//*[@id=$value]", value=element_id))


def _library_text(exc: Exception) -> str:
    message = str(exc.args[0]) if exc.args else str(exc)
    for namespace, prefix in ((BPMN_NS, "bpmn"), (SPIFF_NS, "spiffworkflow")):
        message = message.replace(f"{{{namespace}}}", f"{prefix}:")
    return message.strip()


_REPR = re.compile(r"<Element (\S+) at 0x[0-9a-f]+>")
_RAW_XML = re.compile(r"""b?(['"])<.*?\1""", re.DOTALL)
_WRAPPED = re.compile(r"^(\w+(?:Error|Exception))\((.*)\)$", re.DOTALL)  # "%r" % exc, as the library wraps


def _cleaned(message: str, exc: Exception) -> str:
    """A message we have no sentence for, without object reprs, raw XML or library internals."""
    message = _RAW_XML.sub("'(XML left out)'", _REPR.sub(r"\1", message))
    wrapped = _WRAPPED.match(message)
    if wrapped:
        message = f"SpiffWorkflow could not read this element ({wrapped.group(1)}: {_arguments(wrapped.group(2))})"
    elif not isinstance(exc, ValidationException):
        message = f"SpiffWorkflow could not read this file ({type(exc).__name__}: {message})"
    return message if len(message) <= 240 else message[:239] + "…"


def _arguments(text: str) -> str:
    """An exception's arguments as written in its repr, as one sentence."""
    try:
        args = ast.literal_eval(f"({text},)")
    except (ValueError, SyntaxError):
        return text
    if len(args) > 1 and isinstance(args[0], str) and "%" in args[0]:
        try:
            return str(args[0] % tuple(args[1:]))
        except (TypeError, ValueError):
            pass
    return " ".join(str(arg) for arg in args)


def _flow_to_nowhere(match: re.Match[str], tree: etree._ElementTree, source: str | None) -> _Located | None:
    """Reported on the flow's source as "perhaps a form has the same ID? (ghost)"."""
    target = match.group(1)
    flows = tree.xpath("//bpmn:sequenceFlow[@sourceRef=$source][@targetRef=$target]", namespaces=NSMAP,
                       source=source or "", target=target)
    if not flows:
        return None
    where = ("is not in the same process or subprocess" if with_id(tree, target)
             else "is not an element of this file")
    return flows[0], f"sequence flow {flows[0].get('id')!r} goes to {target!r}, which {where}"


def _outgoing_flows(_match: re.Match[str], tree: etree._ElementTree, source: str | None) -> _Located | None:
    """Cut off by the library at "not supported for tasks of type"."""
    [node] = with_id(tree, source or "") or [None]
    if node is None:
        return None
    flows = [flow.get("id") for flow in tree.xpath("//bpmn:sequenceFlow[@sourceRef=$source]", namespaces=NSMAP,
                                                   source=source)]
    kind = etree.QName(node).localname
    return node, (f"{kind} has {len(flows)} outgoing sequence flows ({', '.join(map(str, flows))}); "
                  "SpiffWorkflow splits only at gateways: add a parallel or exclusive gateway after it")


def _unresolved_association(match: re.Match[str], tree: etree._ElementTree,
                            element: str | None) -> _Located | None:
    direction, end = (("input", "sourceRef") if match.group(1) == "Input" else ("output", "targetRef"))
    references = {node.get("id") for node in tree.iterfind(".//bpmn:dataObjectReference", namespaces=NSMAP)}
    stores = {node.get("id") for node in tree.iterfind(".//bpmn:dataStoreReference", namespaces=NSMAP)}
    for node in tree.xpath(f"//*[@id=$element]/bpmn:data{match.group(1)}Association/bpmn:{end}",
                           namespaces=NSMAP, element=element or ""):
        ref = (node.text or "").strip()
        if ref in stores:
            return node, f"data {direction} association uses data store reference {ref!r}: {_DATA_STORES_ADVICE}"
        if ref not in references:
            return node, (f"data {direction} association refers to {ref!r}, which is not a data object "
                          "reference of this file")
    return None


def _data_store(match: re.Match[str], tree: etree._ElementTree, _element: str | None) -> _Located | None:
    """Raised without an element, file or line; the name may hold a newline."""
    stores = list(tree.iterfind(".//bpmn:dataStore", namespaces=NSMAP))
    wanted = " ".join((match.group(1) or "").split())
    named = [node for node in stores if (" ".join((node.get("name") or "").split()) == wanted if wanted
                                         else not (node.get("id") and node.get("name")))]
    node = (named or stores or [None])[0]
    name = wanted or ("" if node is None else " ".join((node.get("name") or node.get("id") or "").split()))
    return node, f"data store {name!r} is not supported: {_DATA_STORES_ADVICE}"


def _missing_event_ref(_match: re.Match[str], tree: etree._ElementTree, element: str | None) -> _Located | None:
    """The library's own error path fails with a TypeError when the referenced element is missing."""
    defined = {node.get("id") for node in tree.iter(etree.Element)}
    for tag, attribute, kind in _EVENT_REFS:
        for node in tree.xpath(f"//*[@id=$element]//bpmn:{tag}[@{attribute}]", namespaces=NSMAP,
                               element=element or ""):
            if node.get(attribute) not in defined:
                return node, (f"{kind} event refers to {kind} {node.get(attribute)!r}, which this file does not "
                              f"define: add a bpmn:{kind} with that id or pick one that exists")
    return None


def _catch_event_without_definition(_match: re.Match[str], tree: etree._ElementTree,
                                    element: str | None) -> _Located | None:
    [node] = with_id(tree, element or "") or [None]
    return node, ("boundary event has no event definition SpiffWorkflow can wait for: give it a timer, message, "
                  "signal, error, escalation, conditional or cancel event definition")


def _timer_without_value(_match: re.Match[str], tree: etree._ElementTree, element: str | None) -> _Located | None:
    """Raised as "Time Specification Error. Unknown Time Specification." on the event."""
    nodes = tree.xpath("//*[@id=$element]/bpmn:timerEventDefinition", namespaces=NSMAP, element=element or "")
    return (nodes or with_id(tree, element or "") or [None])[0], (
        "timer event has no timeDate, timeDuration or timeCycle: say when it fires, such as a timeDuration of PT2H")


def _unsupported_element(_match: re.Match[str], tree: etree._ElementTree, element: str | None) -> _Located | None:
    [node] = with_id(tree, element or "") or [None]
    if node is None:
        return None
    return node, f"SpiffWorkflow cannot run a bpmn:{etree.QName(node).localname}"


_EXPLAINED: tuple[tuple[re.Pattern[str], _Explain], ...] = (
    (re.compile(r"perhaps a form has the same ID\? \((.*)\)$", re.DOTALL), _flow_to_nowhere),
    (re.compile(r"^Multiple outgoing flows are not supported"), _outgoing_flows),
    (re.compile(r"^Cannot resolve data(Input|Output)Association"), _unresolved_association),
    (re.compile(r"^Data Store with name (.*) has no implementation$", re.DOTALL), _data_store),
    (re.compile(r"^Data Store (?:identifier|name) is missing()"), _data_store),
    (re.compile(r"raise_validation_exception\(\) got an unexpected keyword argument 'node'"), _missing_event_ref),
    (re.compile(r"Unsupported Catch Event"), _catch_event_without_definition),
    (re.compile(r"Unknown Time Specification"), _timer_without_value),
    (re.compile(r"^There is no support implemented for this task type"), _unsupported_element),
)


def _id_at_line(tree: etree._ElementTree, line: int) -> str | None:
    node = next((node for node in tree.iter(etree.Element) if node.sourceline == line), None)
    return None if node is None else owner_id(node)
