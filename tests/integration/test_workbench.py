"""The workbench's use cases on both backends (issue 12 items 2, 6, 10): drafts hold every file and
are checked on each save; a proposal is deployed only by a system administrator who did not make
it; a roll-back is approved the same way; ``relayflow deploy`` and the start-up seed are recorded
as deploys without approval, and a restart keeps the approved version running."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import select

from app.runtime.actors import Actor
from app.workbench import drafts, library, proposals, rollbacks
from app.workbench.context import Workbench
from app.workbench.refusals import DraftHasErrors, WorkbenchConflict, WorkbenchForbidden
from storage import drafts as draft_rows
from storage.models import Deployment, HistoryEvent
from storage.statuses import DraftStatus, ProposalStatus
from tests.conftest import TEST_BPMN
from tests.integration.test_cli import run

APPROVAL = TEST_BPMN / "approval.bpmn"
ANA = Actor("ana", frozenset({"analyst"}))
BOB = Actor("bob", frozenset({"analyst"}))
SAM = Actor("sam", frozenset({"sysadmin"}))
SUE = Actor("sue", frozenset({"sysadmin"}))
BOTH = Actor("ada", frozenset({"analyst", "sysadmin"}))


@pytest.fixture
def bench(backend_app: Flask, tmp_path: Path) -> Workbench:
    assert run(backend_app, "deploy", str(APPROVAL)).exit_code == 0
    return Workbench.of(backend_app.extensions["relayflow"].runtime)


def edited_draft(bench: Workbench, who: Actor = ANA, text: str = "granted: ") -> int:
    """A draft of approval whose notification says ``text``, saved as revision 2 (no problems)."""
    draft_id, first = drafts.open_draft(bench, who, "approval", title="new wording")
    saved = drafts.save_revision(bench, who, draft_id, {"approval.bpmn": first.files["approval.bpmn"].replace(
        "'approved: '", f"'{text}'")}, base_revision=1)
    assert saved.problems == [] and saved.summary.n == 2
    return draft_id


def versions(bench: Workbench) -> list[tuple[int, str, str | None, str | None]]:
    with bench.db.reading() as session:
        [entry] = library.library(session, ["approval"])
    return [(v.version, v.deployed_by, v.approved_by, v.comment) for v in entry.versions]


def deployment_events(bench: Workbench) -> list[str]:
    with bench.db.reading() as session:
        return list(session.execute(select(HistoryEvent.type).where(HistoryEvent.stream == "deployments")
                                    .order_by(HistoryEvent.seq)).scalars())


def test_a_draft_holds_the_running_files_and_its_revisions_as_utf8_bytes(bench: Workbench) -> None:
    draft_id = edited_draft(bench)
    with bench.db.reading() as session:
        view = drafts.draft_view(session, draft_id)
        assert view.main_file == "approval.bpmn" and view.draft.status == DraftStatus.OPEN
        assert view.draft.based_on_deployment_id == 1
        files = draft_rows.revision_files(session, view.revision.summary.id)
        assert files is not None and b"'granted: '" in files["approval.bpmn"]
        assert draft_rows.revision_process_id(session, view.revision.summary.id) == "approval"
        assert draft_rows.revision_files(session, 999) is None
        assert draft_rows.revision_process_id(session, 999) is None
        first = draft_rows.revisions(session, draft_id)[-1]
        assert draft_rows.revision_files(session, first.id) == {"approval.bpmn": APPROVAL.read_bytes()}


def test_cli_deploys_are_without_approval_and_an_approved_proposal_names_its_approver(bench: Workbench,
                                                                                      backend_app: Flask) -> None:
    draft_id = edited_draft(bench)
    proposal_id = proposals.propose(bench, ANA, draft_id, "say granted, not approved")
    done = proposals.approve(bench, SAM, proposal_id, "read it")
    assert done.versions == {"approval": 2}
    cli = versions(bench)[1][1]
    assert cli.startswith("cli:")
    assert versions(bench) == [(2, "sam", "sam", "say granted, not approved"), (1, cli, None, None)]
    with bench.db.reading() as session:
        deployment = session.get(Deployment, done.deployment_id)
        assert deployment is not None
        assert (deployment.approved_by, deployment.proposal_id, deployment.comment) == (
            "sam", proposal_id, "say granted, not approved")
        [decided] = library.library(session, ["approval"])[0].proposals
        assert (decided.status, decided.decided_by, decided.opinion) == (ProposalStatus.APPROVED, "sam", "read it")
    assert deployment_events(bench) == ["deployment.created", "draft.opened", "draft.saved", "proposal.made",
                                        "deployment.created", "proposal.approved"]


def test_a_restart_never_undoes_an_approved_version(bench: Workbench, backend_app: Flask, tmp_path: Path) -> None:
    proposal_id = proposals.propose(bench, ANA, edited_draft(bench), "new wording")
    proposals.approve(bench, SAM, proposal_id)
    directory = tmp_path / "bpmn"
    directory.mkdir()
    (directory / "approval.bpmn").write_bytes(APPROVAL.read_bytes())  # bpmn/ still holds version 1's file
    backend_app.config["BPMN_DIR"] = str(directory)
    said = run(backend_app, "bootstrap").output
    assert "differs from what runs" in said
    assert [row[:3] for row in versions(bench)] == [(2, "sam", "sam"), (1, versions(bench)[1][1], None)]


def test_nobody_approves_their_own_proposal_and_only_system_administrators_decide(bench: Workbench) -> None:
    proposal_id = proposals.propose(bench, BOTH, edited_draft(bench, BOTH), "mine")
    with pytest.raises(WorkbenchForbidden, match="four eyes"):
        proposals.approve(bench, BOTH, proposal_id)
    for outsider in (ANA, Actor("ann", frozenset({"approver"}))):
        with pytest.raises(WorkbenchForbidden):
            proposals.approve(bench, outsider, proposal_id)
        with pytest.raises(WorkbenchForbidden):
            proposals.send_back(bench, outsider, proposal_id, "no")
    with pytest.raises(WorkbenchForbidden):
        drafts.open_draft(bench, SAM, "approval")
    assert len(versions(bench)) == 1
    proposals.approve(bench, SUE, proposal_id)
    with pytest.raises(WorkbenchConflict, match="already decided"):
        proposals.approve(bench, SAM, proposal_id)
    assert versions(bench)[0][:3] == (2, "sue", "sue")


def test_sent_back_reopens_the_draft_and_a_proposed_draft_takes_no_saves(bench: Workbench) -> None:
    draft_id = edited_draft(bench)
    proposal_id = proposals.propose(bench, ANA, draft_id, "first try")
    with pytest.raises(WorkbenchConflict, match="withdraw"):
        drafts.save_revision(bench, ANA, draft_id, {"approval.bpmn": APPROVAL.read_text()}, base_revision=2)
    assert proposals.send_back(bench, SAM, proposal_id, "keep the old wording") == ProposalStatus.SENT_BACK
    saved = drafts.save_revision(bench, ANA, draft_id, {"approval.bpmn": APPROVAL.read_text()}, base_revision=2)
    assert saved.summary.n == 3
    again = proposals.propose(bench, ANA, draft_id, "second try")
    with pytest.raises(WorkbenchForbidden):
        proposals.withdraw(bench, BOB, again)
    proposals.withdraw(bench, ANA, again)
    with bench.db.reading() as session:
        assert drafts.draft_view(session, draft_id).draft.status == DraftStatus.OPEN
    assert deployment_events(bench)[-4:] == ["proposal.sent_back", "draft.saved", "proposal.made",
                                             "proposal.withdrawn"]
    assert len(versions(bench)) == 1


def test_a_stale_save_is_refused_and_both_edits_survive(bench: Workbench) -> None:
    draft_id, first = drafts.open_draft(bench, ANA, "approval")
    original = first.files["approval.bpmn"]
    drafts.save_revision(bench, ANA, draft_id, {"approval.bpmn": original.replace("'approved: '", "'ana: '")}, 1)
    bobs = {"approval.bpmn": original.replace("'approved: '", "'bob: '")}
    with pytest.raises(WorkbenchConflict, match="ana saved revision 2"):
        drafts.save_revision(bench, BOB, draft_id, bobs, base_revision=1)
    drafts.save_revision(bench, BOB, draft_id, bobs, base_revision=2)
    with bench.db.reading() as session:
        stored = [(r.n, r.author) for r in draft_rows.revisions(session, draft_id)]
        texts = [draft_rows.revision_files(session, r.id) for r in draft_rows.revisions(session, draft_id)]
    assert stored == [(3, "bob"), (2, "ana"), (1, "ana")]
    assert b"'bob: '" in texts[0]["approval.bpmn"] and b"'ana: '" in texts[1]["approval.bpmn"]  # type: ignore[index]


def test_a_draft_with_errors_is_kept_but_cannot_be_proposed(bench: Workbench) -> None:
    draft_id, first = drafts.open_draft(bench, ANA, "approval")
    broken = first.files["approval.bpmn"].replace('name="role" value="approver"', 'name="role" value="supervisor"')
    saved = drafts.save_revision(bench, ANA, draft_id, {"approval.bpmn": broken}, base_revision=1)
    assert saved.summary.has_errors
    [problem] = [p for p in saved.problems if p["element_id"] == "lane_approver"]
    assert problem["line"] == 5 and problem["file"] == "approval.bpmn" and "supervisor" in problem["message"]
    with pytest.raises(DraftHasErrors) as refused:
        proposals.propose(bench, ANA, draft_id, "try")
    assert refused.value.problems == saved.problems
    assert deployment_events(bench)[-1] == "draft.saved"


def test_a_roll_back_is_a_proposal_another_system_administrator_approves(bench: Workbench) -> None:
    proposals.approve(bench, SAM, proposals.propose(bench, ANA, edited_draft(bench), "new wording"))
    with pytest.raises(WorkbenchConflict, match="nothing to roll back"):
        rollbacks.propose_rollback(bench, SAM, "approval", 2, "no")
    with pytest.raises(WorkbenchForbidden):
        rollbacks.propose_rollback(bench, ANA, "approval", 1, "analysts do not roll back")
    proposal_id = rollbacks.propose_rollback(bench, SAM, "approval", 1, "the applicants complained")
    with pytest.raises(WorkbenchForbidden, match="four eyes"):
        proposals.approve(bench, SAM, proposal_id)
    done = proposals.approve(bench, SUE, proposal_id)
    assert done.versions == {"approval": 3} and done.deployment_id == 1  # version 1's stored files, again
    assert versions(bench)[0] == (3, "sue", "sue", "the applicants complained")
    events = deployment_events(bench)
    assert events[-3:] == ["proposal.made", "deployment.redeployed", "proposal.approved"]
