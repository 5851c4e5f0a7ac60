"""Helpers for the workbench's web tests: a draft's save (a PUT with the session's CSRF token) and
the shipped reconnect.bpmn with an edit."""

from __future__ import annotations

from typing import Any

from werkzeug.test import TestResponse

from app.config import PROJECT_ROOT
from tests.web.conftest import Person

RECONNECT = (PROJECT_ROOT / "bpmn" / "reconnect.bpmn").read_text(encoding="utf-8")
SCRIPT = "<bpmn:script>reconnected = result['stage']"


def put_json(person: Person, url: str, body: Any) -> TestResponse:
    return person.client.put(url, json=body, headers={"X-CSRFToken": person.csrf})


def save(person: Person, draft_id: int, text: str, base: int) -> TestResponse:
    return put_json(person, f"/api/drafts/{draft_id}", {"files": {"reconnect.bpmn": text}, "base_revision": base})


def retry_wait(minutes: str) -> str:
    """reconnect.bpmn with the wait between sends (PT2H as shipped) set to ``minutes``."""
    assert RECONNECT.count('"PT2H"') == 1
    return RECONNECT.replace('"PT2H"', f'"PT{minutes}M"')


def open_reconnect_draft(analyst: Person) -> int:
    made = analyst.post_json("/api/processes/reconnect/drafts", {"title": "shorter wait"})
    assert made.status_code == 201, made.json
    return int(made.json["draft_id"])


def approved_edit(analyst: Person, sysadmin: Person, minutes: str = "45") -> dict[str, Any]:
    """An analyst's edit of the retry wait, proposed and approved: the approval's answer."""
    draft_id = open_reconnect_draft(analyst)
    assert save(analyst, draft_id, retry_wait(minutes), 1).status_code == 200
    proposed = analyst.post_json(f"/api/drafts/{draft_id}/proposals", {"comment": f"retry after {minutes} min"})
    assert proposed.status_code == 201, proposed.json
    approved = sysadmin.post_json(f"/api/proposals/{proposed.json['proposal_id']}/approve", {})
    assert approved.status_code == 200, approved.json
    return {**approved.json, "draft_id": draft_id, "proposal_id": proposed.json["proposal_id"]}


def send_workbench_examples(examples: Any, site: Any, root: Person) -> None:
    """The workbench's documented examples, in an order their data allows (``test_api_examples``):
    reconnect runs v2, so v1 can be rolled back to; each example's answer is checked there."""
    sam = site.person("sam", "sysadmin")
    approved_edit(site.person("ana", "analyst"), sam)
    new = examples.example("NewDraft")
    path = "/api/processes/{process_id}/drafts"
    kept = examples.send(root, path, "post", new, process_id="reconnect").json["draft_id"]
    scratch = examples.send(root, path, "post", new, process_id="reconnect").json["draft_id"]
    examples.send(root, "/api/drafts/{draft_id}", "put", examples.example("DraftSave"), draft_id=scratch)
    examples.send(root, "/api/drafts/{draft_id}/withdraw", "post", {}, draft_id=scratch)
    proposal = examples.example("ProposalIn")
    first = examples.send(root, "/api/drafts/{draft_id}/proposals", "post", proposal, draft_id=kept).json
    examples.send(root, "/api/proposals/{proposal_id}/withdraw", "post", {}, proposal_id=first["proposal_id"])
    again = examples.send(root, "/api/drafts/{draft_id}/proposals", "post", proposal, draft_id=kept).json
    rollback = examples.send(root, "/api/processes/{process_id}/rollbacks", "post", examples.example("RollbackIn"),
                             process_id="reconnect").json
    examples.send(root, "/api/proposals/{proposal_id}/send-back", "post", examples.example("SendBack"),
                  proposal_id=rollback["proposal_id"])
    examples.send(sam, "/api/proposals/{proposal_id}/approve", "post", examples.example("Approval"),
                  proposal_id=again["proposal_id"])
