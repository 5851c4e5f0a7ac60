"""How the compare and move pages name things: an element's properties (``loop_maximum``,
``parameter:customer_number``...), the kinds of change, and why a case cannot move."""

from __future__ import annotations

from flask_babel import gettext as _

from app.runtime.migration import Blocker, BlockReason
from app.translations import N_

PROPERTY_LABELS = {
    "name": N_("Name"), "lane": N_("Lane"), "documentation": N_("Documentation"),
    "loop_maximum": N_("Loop maximum"), "loop_condition": N_("Loop condition"), "operator": N_("Operator"),
    "result_variable": N_("Result variable"), "prescript": N_("Script before"), "postscript": N_("Script after"),
    "script": N_("Script"), "form_variable": N_("Form variable"), "default_flow": N_("Default flow"),
    "incoming": N_("Comes from"), "outgoing": N_("Goes to"), "interrupting": N_("Interrupting"),
    "called_process": N_("Called process"), "data_io": N_("Data inputs and outputs"),
    "timer": N_("Timer"), "message": N_("Message"), "correlation": N_("Correlation"),
    "message_variable": N_("Message variable"), "event": N_("Event"), "type": N_("Element type"),
    "instructionsForEndUser": N_("Instructions"), "cardinality": N_("Cardinality"),
    "input_collection": N_("Input collection"), "output_collection": N_("Output collection"),
    "input_item": N_("Input item"), "output_item": N_("Output item"),
    "completion_condition": N_("Completion condition"), "loop_tests_first": N_("Loop tests its condition first"),
    "decision_table": N_("Decision table"),
}
PREFIXED_LABELS = {"parameter": N_("Parameter {name}"), "property": N_("Property {name}"),
                   "condition": N_("Condition to {name}")}
KIND_LABELS = {"added": N_("Added"), "removed": N_("Removed"), "changed": N_("Changed"), "moved": N_("Moved")}
BLOCK_MESSAGES = {
    BlockReason.NOT_RUNNING: N_("it is not running ({detail})"),
    BlockReason.SUSPENDED: N_("it is suspended: resume it first"),
    BlockReason.INCIDENT: N_("it has an open incident: retry or terminate it first"),
    BlockReason.CHILD_BATCH: N_("it waits for a batch of child instances, which stay on their own version"),
    BlockReason.REMOVED: N_("its token is on {element}, which the new version removes"),
    BlockReason.PASSED_REMOVED: N_("it went through {element}, which the new version removes"),
    BlockReason.CHANGED: N_("its token is on {element}, which the new version changes ({detail})"),
    BlockReason.LOOP: N_("the loop {element} is running and the new version changes its structure ({detail})"),
    BlockReason.MISSING_PROCESS: N_("{element} runs the process {detail}, which the new version does not have"),
}


def property_label(name: str) -> str:
    """A property's name in the reader's language (``parameter:x`` → "Parameter x")."""
    prefix, _sep, rest = name.partition(":")
    if rest and prefix in PREFIXED_LABELS:
        return _(PREFIXED_LABELS[prefix]).format(name=rest)
    return _(PROPERTY_LABELS[name]) if name in PROPERTY_LABELS else name


def kind_label(kind: str) -> str:
    return _(KIND_LABELS[kind]) if kind in KIND_LABELS else kind


def block_message(blocker: Blocker) -> str:
    """Why a case cannot move, in the reader's language."""
    detail = ", ".join(property_label(part.strip()) for part in blocker.detail.split(",")) \
        if blocker.reason in (BlockReason.CHANGED, BlockReason.LOOP) else blocker.detail
    return _(BLOCK_MESSAGES[blocker.reason]).format(element=blocker.element_id or "", detail=detail)
