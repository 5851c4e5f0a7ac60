"""Rehearsals of a draft on recorded cases (issue 12 item 5): the request, the run's progress and
its results worded in the reader's language."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import ConfigDict, Field

from app.web.api_models.base import Answer, Body
from app.workbench.rehearsal.verdict import OUTCOMES
from storage.statuses import RehearsalStatus

RunState = Literal[tuple(status.value for status in RehearsalStatus)]  # type: ignore[misc, valid-type]
Outcome = Literal[tuple(OUTCOMES)]  # type: ignore[valid-type]
AT = "2026-03-02T01:00:00+00:00"
LINE: dict[str, Any] = {"line": "extra", "count": 1, "text": "1 case would have sent a 4th command"}
FACT: dict[str, Any] = {"fact": "extra", "text": "would have sent a 4th command at 2026-03-02 11:18"}
CASE: dict[str, Any] = {"instance_id": 7, "customer": "3400000001", "outcome": "needs_input",
        "outcome_text": "needs an input the case never had", "facts": [FACT],
        "needs": "needs the result of a 4th command, which the case never had (it recorded 3)",
        "case_url": "/audit/cases/7"}
RUN: dict[str, Any] = {
    "run_id": 3, "draft_id": 2, "revision_id": 9, "status": "done", "done": 2, "total": 2, "requested_by": "ann",
    "requested_at": AT, "finished_at": AT, "scope": {"last": 200}, "error": None, "summary": [LINE],
    "cases": [CASE]}


class RehearsalIn(Body):
    model_config = ConfigDict(json_schema_extra={"examples": [
        {"scope": {"last": 200}}, {"scope": {"from": "2026-03-01", "to": "2026-03-07"}},
        {"scope": {"customers": ["3400000001", "3400000002"]}}]})
    refusal_status = 422

    scope: dict[str, Any] = Field(default_factory=lambda: {"last": 200}, description=(
        "which recorded cases: {\"last\": N} (the last N ended cases of the process, 1–5000; the default, "
        "200), {\"from\": day or time, \"to\": day or time} (cases that ended in that range; days are Beijing "
        "calendar days, both included) or {\"customers\": [numbers]} (their ended cases)"))


class RehearsalQueued(Answer):
    model_config = ConfigDict(json_schema_extra={"examples": [{"run_id": 3, "status": "queued"}]})

    run_id: int
    status: RunState  # type: ignore[valid-type]


class SummaryLine(Answer):
    model_config = ConfigDict(json_schema_extra={"examples": [LINE]})

    line: str = Field(description="the kind of line: total, decision (cases whose decision table answers "
                                  "otherwise), extra, missing, later, earlier, ended, needs, not_told, cut, trouble")
    count: int = Field(description="cases (customers for not_told and cut)")
    text: str = Field(description="the line in words, in the reader's language")


class FactOut(Answer):
    model_config = ConfigDict(json_schema_extra={"examples": [FACT]})

    fact: str = Field(description="extra, missing, later, earlier, ended, result, incident, failed or decision (a "
                                  "decision table the draft answers otherwise, with its inputs and both answers)")
    text: str = Field(description="in words, with its time")


class CaseOut(Answer):
    model_config = ConfigDict(json_schema_extra={"examples": [CASE]})

    instance_id: int
    customer: str | None
    outcome: Outcome  # type: ignore[valid-type]
    outcome_text: str
    facts: list[FactOut]
    needs: str | None = Field(description="the input the case never had, where the rehearsal stopped")
    case_url: str = Field(description="the case's timeline (the auditors' case page)")


class RehearsalOut(Answer):
    model_config = ConfigDict(json_schema_extra={"examples": [RUN]})

    run_id: int
    draft_id: int | None
    revision_id: int
    status: RunState  # type: ignore[valid-type]
    done: int
    total: int
    requested_by: str
    requested_at: str
    finished_at: str | None
    scope: dict[str, Any]
    error: str | None
    summary: list[SummaryLine] | None = Field(description="null until the run is done")
    cases: list[CaseOut] | None = Field(description="null until the run is done")


class RehearsalList(Answer):
    model_config = ConfigDict(json_schema_extra={"examples": [{"runs": [RUN]}]})

    runs: list[RehearsalOut]
