"""The analysts' workbench: the process library, drafts and their revisions, proposals and their
decisions, roll-backs (issue 12). The modeler page (``/processes/<id>/drafts/<draft>``) calls these."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import ConfigDict, Field, RootModel, field_validator

from app.web.api_models.base import Answer, Body, clearable
from app.web.api_refusals import refusal
from app.workbench.checking import MAX_FILES
from app.workbench.drafts import MAX_TITLE
from app.workbench.proposals import MAX_TEXT
from storage.statuses import DraftStatus, ProposalStatus

MAX_FILE_CHARS = 2 * 1024 * 1024  # the deploy's limit per file (``bpmn_source.MAX_BPMN_BYTES``)
EXAMPLE_BPMN = ('<?xml version="1.0" encoding="UTF-8"?>\n<bpmn:definitions xmlns:bpmn='
                '"http://www.omg.org/spec/BPMN/20100524/MODEL" id="d" targetNamespace="t">\n'
                '  <bpmn:process id="reconnect" isExecutable="true"/>\n</bpmn:definitions>\n')
DraftState = Literal[tuple(status.value for status in DraftStatus)]  # type: ignore[misc, valid-type]
ProposalState = Literal[tuple(status.value for status in ProposalStatus)]  # type: ignore[misc, valid-type]
AT = "2026-03-02T01:00:00+00:00"
PROBLEM: dict[str, Any] = {"file": "reconnect.bpmn", "element_id": "retry_wait_timer", "name": "Wait before retrying",
                           "line": 84, "message": 'timer "two hours" is not a valid ISO-8601 duration',
                           "severity": "error"}
REVISION: dict[str, Any] = {"n": 2, "id": 7, "author": "ana", "saved_at": AT, "problems": [PROBLEM],
                            "has_errors": True}



class Problem(Answer):
    """One thing the deploy's check refuses, where the analyst finds it."""

    file: str = Field(description="the draft's file it is in")
    element_id: str | None = Field(description="the BPMN element (null: the file as a whole)")
    name: str | None = Field(description="the element's name as the diagram shows it")
    line: int | None = Field(description="line in the file")
    message: str
    severity: str = Field(description="error: the deploy refuses it")


class Revision(Answer):
    n: int = Field(description="1, 2, 3… per draft")
    id: int = Field(description="the revision's id (compare and rehearsal name revisions by it)")
    author: str
    saved_at: datetime
    problems: list[Problem] = Field(description="what the deploy's check found at save")
    has_errors: bool = Field(description="true: cannot be proposed")


class RevisionBrief(Answer):
    n: int
    id: int
    author: str
    saved_at: datetime
    has_errors: bool


class RevisionList(RootModel[list[RevisionBrief]]):
    """A draft's revisions, newest first."""

    model_config = ConfigDict(json_schema_extra={"examples": [[
        {"n": 2, "id": 7, "author": "ana", "saved_at": AT, "has_errors": True}]]})


class DraftOut(Answer):
    """A draft with its files as last saved (the modeler opens it)."""

    model_config = ConfigDict(json_schema_extra={"examples": [
        {"draft_id": 3, "process_id": "reconnect", "title": "Retry wait 45 min", "status": "open",
         "files": {"reconnect.bpmn": EXAMPLE_BPMN}, "main_file": "reconnect.bpmn", "revision": REVISION}]})

    draft_id: int
    process_id: str
    title: str
    status: DraftState  # type: ignore[valid-type]
    files: dict[str, str] = Field(description="file name → BPMN or DMN XML: every file of the bundle")
    main_file: str = Field(description="the file that defines the process")
    revision: Revision


class Saved(Answer):
    model_config = ConfigDict(json_schema_extra={"examples": [{"revision": REVISION}]})

    revision: Revision


class DraftCreated(Answer):
    model_config = ConfigDict(json_schema_extra={"examples": [
        {"draft_id": 3, "process_id": "reconnect", "revision": {**REVISION, "n": 1, "problems": [],
                                                                "has_errors": False}}]})

    draft_id: int
    process_id: str
    revision: Revision = Field(description="revision 1: the files of the version it was opened from")


class NewDraft(Body):
    """Open a draft of a process from its running version, or from ``from_version``."""

    model_config = ConfigDict(json_schema_extra={"examples": [{"title": "Retry wait 45 min", "from_version": 1}]})
    refusal_status = 422

    title: Annotated[str, clearable(MAX_TITLE)] = Field("", description="default: '<process> v<version>'")
    from_version: int | None = Field(None, ge=1, description="a deployed version (default: the one that runs)")


class DraftSave(Body):
    """Every file of the draft (the whole bundle), and the revision the edit was made on."""

    model_config = ConfigDict(json_schema_extra={"examples": [
        {"files": {"reconnect.bpmn": EXAMPLE_BPMN}, "base_revision": 1}]})
    refusal_status = 422

    files: dict[str, str] = Field(description=f"file name (*.bpmn, *.dmn) → its XML, 1 to {MAX_FILES} files",
                                  min_length=1, max_length=MAX_FILES)
    base_revision: int = Field(ge=0, description="the revision n the edit started from: another save since is a 409")

    @field_validator("files")
    @classmethod
    def _sizes(cls, files: dict[str, str]) -> dict[str, str]:
        for name, text in files.items():
            if len(text) > MAX_FILE_CHARS:
                raise refusal(f"{name[:80]} is larger than the deploy takes ({MAX_FILE_CHARS:,} characters)")
        return files


class ProposalIn(Body):
    model_config = ConfigDict(json_schema_extra={"examples": [
        {"comment": "retry wait 2 h → 45 min: customers get power back sooner (M5.2)"}]})
    refusal_status = 422

    comment: Annotated[str, clearable(MAX_TEXT, nonempty=True)] = Field(description="why; kept in the history")


class Approval(Body):
    model_config = ConfigDict(json_schema_extra={"examples": [{"comment": "compared and rehearsed: fine"}]})
    refusal_status = 422

    comment: Annotated[str, clearable(MAX_TEXT)] = Field("", description="the approver's remark (optional)")


class SendBack(Body):
    model_config = ConfigDict(json_schema_extra={"examples": [
        {"opinion": "keep 3 sends: the head-end vendor asks for 2 h between commands"}]})
    refusal_status = 422

    opinion: Annotated[str, clearable(MAX_TEXT, nonempty=True)] = Field(
        description="what to change; kept in the history")


class RollbackIn(Body):
    model_config = ConfigDict(json_schema_extra={"examples": [
        {"version": 1, "comment": "v2 sends too often: back to v1 until the head-end is fixed"}]})
    refusal_status = 422

    version: int = Field(ge=1, description="the earlier version to run again")
    comment: Annotated[str, clearable(MAX_TEXT, nonempty=True)] = Field(description="why; kept in the history")


class ProposalMade(Answer):
    model_config = ConfigDict(json_schema_extra={"examples": [{"proposal_id": 5}]})

    proposal_id: int


class Deployed(Answer):
    model_config = ConfigDict(json_schema_extra={"examples": [{"deployment_id": 4, "versions": {"reconnect": 2}}]})

    deployment_id: int
    versions: dict[str, int] = Field(description="process → the version new instances now start")


class DraftWithdrawn(Answer):
    model_config = ConfigDict(json_schema_extra={"examples": [{"status": "withdrawn"}]})

    status: DraftState  # type: ignore[valid-type]


class Decision(Answer):
    model_config = ConfigDict(json_schema_extra={"examples": [{"status": "sent_back"}]})

    status: ProposalState  # type: ignore[valid-type]


class DraftRefused(Answer):
    """Refused: the draft's revision has problems the deploy refuses (``problems``), or a field
    cannot be taken (``errors``)."""

    model_config = ConfigDict(json_schema_extra={"examples": [
        {"error": "The draft has 1 problem(s) the deploy refuses: fix them and save before proposing",
         "problems": [PROBLEM]}]})

    error: str
    errors: dict[str, str] = Field(default_factory=dict, description="field → what is wrong with it")
    problems: list[Problem] = Field(default_factory=list, description="what the deploy's check refuses")
