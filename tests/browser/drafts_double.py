"""A stand-in for the draft JSON API (``GET/PUT /api/drafts/<id>``, ``POST …/proposals``) that the
modeler page is written against, for the browser tests until the workbench's own API is merged: it
keeps revisions in memory and checks each save with the deploy's own ``check_files``, as the contract
says the real one does."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flask import Blueprint, Flask, jsonify, request
from flask.typing import ResponseReturnValue
from lxml import etree

from app.accounts.roles import ROLES
from app.runtime.api import Runtime
from app.runtime.deployment.bpmn_source import DeployError
from app.runtime.deployment.check import check_files
from app.web.auth import has_any_role, requires
from app.web.current import services


@dataclass
class Draft:
    draft_id: str
    process_id: str
    main_file: str
    revisions: list[dict[str, Any]] = field(default_factory=list)
    proposals: list[str] = field(default_factory=list)


def install(app: Flask) -> dict[str, Draft]:
    """Serve the stand-in API on ``app``; the drafts it serves are the dict returned (add to it)."""
    drafts: dict[str, Draft] = {}
    api = Blueprint("drafts_double", __name__)

    @api.get("/api/drafts/<draft_id>")
    @requires()
    def read(draft_id: str) -> ResponseReturnValue:
        draft = drafts[draft_id]
        latest = draft.revisions[-1]
        return jsonify({"draft_id": draft_id, "process_id": draft.process_id, "title": draft.process_id,
                        "status": "open", "files": latest["files"], "main_file": draft.main_file,
                        "revision": _public(latest)})

    @api.put("/api/drafts/<draft_id>")
    @requires()
    def save(draft_id: str) -> ResponseReturnValue:
        if not has_any_role("analyst"):
            return jsonify(error="This needs the role: Analyst"), 403
        draft, body = drafts[draft_id], request.get_json()
        if body["base_revision"] != draft.revisions[-1]["n"]:
            return jsonify(error=f"revision {draft.revisions[-1]['n']} was saved meanwhile"), 409
        draft.revisions.append(revision(services().runtime, len(draft.revisions) + 1, body["files"], "analyst"))
        return jsonify(revision=_public(draft.revisions[-1]))

    @api.post("/api/drafts/<draft_id>/proposals")
    @requires("analyst")
    def propose(draft_id: str) -> ResponseReturnValue:
        draft = drafts[draft_id]
        latest = draft.revisions[-1]
        if latest["has_errors"]:
            return jsonify(error="the draft has errors", problems=latest["problems"]), 422
        draft.proposals.append(request.get_json()["comment"])
        return jsonify(proposal={"revision": latest["n"]}), 201

    app.register_blueprint(api)
    return drafts


def new_draft(runtime: Runtime, draft_id: str, process_id: str, files: dict[str, str]) -> Draft:
    draft = Draft(draft_id, process_id, f"{process_id}.bpmn")
    draft.revisions.append(revision(runtime, 1, files, "ana"))
    return draft


def revision(runtime: Runtime, n: int, files: dict[str, str], author: str) -> dict[str, Any]:
    problems = check(runtime, files)
    return {"n": n, "id": n, "author": author, "saved_at": "2026-03-02T09:00:00+00:00", "problems": problems,
            "has_errors": bool(problems), "files": files}


def check(runtime: Runtime, files: dict[str, str]) -> list[dict[str, Any]]:
    try:
        check_files({name: text.encode() for name, text in files.items()}, operators=runtime.handlers.keys(),
                    roles=ROLES, validators=runtime.validators.keys())
    except DeployError as error:
        return [{"element_id": problem.element_id, "name": _name(files[problem.file], problem.element_id),
                 "line": problem.line, "message": problem.message, "severity": "error"} for problem in error.problems]
    return []


def _name(text: str, element_id: str | None) -> str:
    if not element_id:
        return ""
    found = etree.fromstring(text.encode()).xpath("//*[@id=$id]", id=element_id)
    return str(found[0].get("name") or "") if found else ""


def _public(revision: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in revision.items() if key != "files"}
