"""Comparing two versions of a process and moving running cases between versions (issue 12
items 4 and 7): ``GET /api/processes/<id>/compare``, ``POST /api/processes/<id>/moves/dry-run``
and ``POST /api/processes/<id>/moves``."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import ConfigDict, Field

from app.web.api_models.base import Answer, Body, DiagramLabels, clearable

MAX_MOVED = 10_000  # instances one move call takes
Ref = Annotated[str, Field(max_length=40, description="v<version> (deployed) or r<revision> (a draft revision)")]
Version = Annotated[int, Field(ge=1, le=999_999_999, description="a version number of the process")]


class CompareArgs(DiagramLabels):
    model_config = ConfigDict(json_schema_extra={"examples": [{"a": "v1", "b": "v2"}]})

    a: Ref = Field(description="the side compared from: v3 (a deployed version) or r12 (a draft revision)")
    b: Ref = Field(description="the side compared to: v3 (a deployed version) or r12 (a draft revision)")


class ComparedSide(Answer):
    ref: str
    kind: Literal["version", "revision"]
    number: int
    file: str = Field(description="the file of the bundle that defines the process")
    xml: str


class PropertyChange(Answer):
    property: str = Field(description="loop_maximum, timer, operator, parameter:<name>, property:<name>, ...")
    label: str = Field(description="the property's name in the reader's language")
    old: str
    new: str


class ElementChange(Answer):
    process_id: str = Field(description="the process or embedded subprocess the element is in")
    element_id: str
    name: str | None
    kind: Literal["added", "removed", "changed"]
    element_type: str
    changes: list[PropertyChange]


class DecisionCellChange(Answer):
    column: str = Field(description="the column's label")
    old: str = Field(description="the cell as written (FEEL); empty for an added rule")
    new: str


class DecisionRuleChange(Answer):
    kind: Literal["added", "removed", "moved", "changed"]
    rule_id: str
    row_a: int | None = Field(description="its row in a (1-based), none when added")
    row_b: int | None = Field(description="its row in b, none when removed")
    cells: list[DecisionCellChange] = Field(description="changed: the cells that differ; added, removed: all")


class DecisionColumnChange(Answer):
    kind: Literal["added", "removed", "changed"]
    side: Literal["input", "output"]
    label: str
    old: str = Field(description="label · expression (or output name) : type")
    new: str


class DecisionTableChange(Answer):
    """A decision table that differs, rule by rule (matched by the ids dmn-js keeps)."""

    model_config = ConfigDict(json_schema_extra={"examples": [{
        "decision_id": "may_cut", "name": "May this customer be cut now?", "file": "cut_window.dmn",
        "kind": "changed", "hit_policy": ["UNIQUE", "FIRST"],
        "columns": [{"kind": "changed", "side": "input", "label": "Hour", "old": "Hour · hour : integer",
                     "new": "Hour (Beijing) · hour : integer"}],
        "rules": [{"kind": "changed", "rule_id": "r2", "row_a": 2, "row_b": 2,
                   "cells": [{"column": "Hour (Beijing)", "old": "[8..15[", "new": "[8..17["}]}]}]})

    decision_id: str
    name: str
    file: str = Field(description="the .dmn file that holds it (in b; in a when removed)")
    kind: Literal["added", "removed", "changed"]
    hit_policy: list[str] | None = Field(description="[old, new] when the hit policy changed")
    columns: list[DecisionColumnChange]
    rules: list[DecisionRuleChange]


class VersionComparison(Answer):
    """What changed from a to b: per element, and the ids to colour on each side's diagram."""

    model_config = ConfigDict(json_schema_extra={"examples": [{
        "process_id": "reconnect",
        "a": {"ref": "v1", "kind": "version", "number": 1, "file": "reconnect.bpmn", "xml": "<bpmn:definitions …/>"},
        "b": {"ref": "v2", "kind": "version", "number": 2, "file": "reconnect.bpmn", "xml": "<bpmn:definitions …/>"},
        "elements": [{"process_id": "reconnect", "element_id": "attempts", "name": "Send the reconnect command",
                      "kind": "changed", "element_type": "StandardLoopTask", "changes": [
                          {"property": "loop_maximum", "label": "Loop maximum", "old": "3", "new": "4"}]}],
        "markers_a": {"attempts": "changed"}, "markers_b": {"attempts": "changed"},
        "processes_added": [], "processes_removed": [], "tables": []}]})

    process_id: str
    a: ComparedSide
    b: ComparedSide
    elements: list[ElementChange]
    markers_a: dict[str, Literal["added", "removed", "changed"]]
    markers_b: dict[str, Literal["added", "removed", "changed"]]
    processes_added: list[str]
    processes_removed: list[str]
    tables: list[DecisionTableChange] = Field(description="the decision tables (.dmn) that differ, rule by rule")


class MoveVersions(Body):
    model_config = ConfigDict(json_schema_extra={"examples": [{"from_version": 1, "to_version": 2}]})
    refusal_status = 422

    from_version: Version
    to_version: Version


class MoveRequest(Body):
    model_config = ConfigDict(json_schema_extra={"examples": [{
        "from_version": 1, "to_version": 2, "instance_ids": [7],
        "reason": "M5.2 change: 4 sends, 45 minutes apart"}]})
    refusal_status = 422

    from_version: Version
    to_version: Version
    instance_ids: list[Annotated[int, Field(ge=1)]] = Field(min_length=1, max_length=MAX_MOVED)
    reason: Annotated[str, clearable(2000, nonempty=True)]


class MoveRefusal(Answer):
    model_config = ConfigDict(json_schema_extra={"examples": [{
        "reason": "removed", "element_id": "retry_wait", "detail": "retry_wait is not in version 2",
        "message": "its token waits on retry_wait, which version 2 removed"}]})

    reason: str = Field(description="not_running, suspended, incident, child_batch, removed, passed_removed, "
                                    "changed, loop, missing_process")
    element_id: str | None
    detail: str
    message: str = Field(description="the reason in the reader's language")


class MoveCandidate(Answer):
    instance_id: int
    status: str
    created_at: datetime
    started_by: str
    positions: list[str] = Field(description="the elements where its tokens wait")
    can_move: bool
    refusals: list[MoveRefusal]


class DryRun(Answer):
    model_config = ConfigDict(json_schema_extra={"examples": [{
        "process_id": "reconnect", "from_version": 1, "to_version": 2, "total": 1, "movable": 1,
        "candidates": [{"instance_id": 7, "status": "running", "created_at": "2026-03-02T01:00:00+00:00",
                        "started_by": "system:patrol", "positions": ["await_result", "result_timeout"],
                        "can_move": True, "refusals": []}]}]})

    process_id: str
    from_version: int
    to_version: int
    total: int
    movable: int
    candidates: list[MoveCandidate]


class MoveOutcome(Answer):
    instance_id: int
    moved: bool
    refusals: list[MoveRefusal]
    error: str | None


class MoveResult(Answer):
    model_config = ConfigDict(json_schema_extra={"examples": [{
        "process_id": "reconnect", "from_version": 1, "to_version": 2, "moved": 1, "not_moved": 0,
        "outcomes": [{"instance_id": 7, "moved": True, "refusals": [], "error": None}]}]})

    process_id: str
    from_version: int
    to_version: int
    moved: int
    not_moved: int
    outcomes: list[MoveOutcome]
