"""Issue 16 item 6, second half: a decision table in the analysts' path. A draft holds the ``.dmn``
file with the diagram that calls it; an analyst moves the cut window's end in the table alone,
rehearses it on the recorded cases (how many answers would have moved, and which), proposes, a
second person approves (M4: who may cut, and when, is the utility's policy, changed with four
eyes), and new cases follow the new table — on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from flask import Flask
from sqlalchemy import select

from app.bootstrap import Services
from app.runtime.actors import Actor
from app.runtime.deployment.deploy import bundle_hash
from app.workbench import drafts, proposals
from app.workbench.context import Workbench
from app.workbench.refusals import DraftHasErrors, WorkbenchInvalid
from app.workbench.rehearsal import runs as rehearsal_jobs
from app.workbench.rehearsal.wording import fact_text, line_text
from storage import rehearsal_runs
from storage.models import Deployment, Instance
from tests.conftest import SYSADMIN, TEST_BPMN

ANA = Actor("ana", frozenset({"analyst"}))
SUE = Actor("sue", frozenset({"sysadmin"}))
STARTER = Actor("sam", frozenset({"sysadmin"}))
DIAGRAM = (TEST_BPMN / "decide.bpmn").read_text(encoding="utf-8")
TABLE = (TEST_BPMN / "cut_window.dmn").read_text(encoding="utf-8")
# The window as deployed is [8..15[ on working days; the analyst moves its end to 17:00.
LATER_END = TABLE.replace("[8..15[", "[8..17[")
HOURS = [9, 14, 15, 16, 17, 20]


@pytest.fixture
def services(backend_app: Flask) -> Services:
    services: Services = backend_app.extensions["relayflow"]
    services.deploy_files({"decide.bpmn": DIAGRAM.encode(), "cut_window.dmn": TABLE.encode()}, SYSADMIN)
    return services


@pytest.fixture
def bench(services: Services) -> Workbench:
    return Workbench.of(services.runtime)


def ask(services: Services, hour: int, customer_class: str = "household") -> dict[str, object]:
    instance_id = services.runtime.start("decide", {"customer_class": customer_class, "day_type": "working_day",
                                                    "hour": hour}, STARTER)
    with services.db.reading() as session:
        instance = session.execute(select(Instance).where(Instance.id == instance_id)).scalar_one()
        assert instance.status == "completed" and instance.result is not None
        return dict(instance.result)


def table_draft(bench: Workbench, table: str = LATER_END) -> int:
    draft_id, first = drafts.open_draft(bench, ANA, "decide", title="window until 17:00")
    assert sorted(first.files) == ["cut_window.dmn", "decide.bpmn"]  # the table comes with its diagram
    saved = drafts.save_revision(bench, ANA, draft_id, {**first.files, "cut_window.dmn": table}, base_revision=1)
    assert saved.summary.n == 2
    return draft_id


def test_a_table_edited_in_a_draft_is_proposed_approved_and_followed_by_new_cases(
        services: Services, bench: Workbench) -> None:
    """Issue 16 must-show: the window's end changed in the table, proposed, approved; new cases follow it."""
    assert ask(services, 16) == {"allowed": False, "reason": "outside the window"}
    draft_id = table_draft(bench)
    proposal_id = proposals.propose(bench, ANA, draft_id, "cut until 17:00")
    done = proposals.approve(bench, SUE, proposal_id, "agreed with operations")
    assert done.versions == {"decide": 2}
    with services.db.reading() as session:
        deployment = session.get(Deployment, done.deployment_id)
        assert deployment is not None and deployment.approved_by == "sue"
        # one bundle, one hash: the diagram and the edited table
        assert deployment.bundle_hash == bundle_hash({"decide.bpmn": DIAGRAM.encode(),
                                                      "cut_window.dmn": LATER_END.encode()})
    assert ask(services, 16) == {"allowed": True, "reason": "inside the window"}
    assert ask(services, 17) == {"allowed": False, "reason": "outside the window"}


def test_a_broken_table_in_a_draft_is_shown_with_its_file_line_and_element(bench: Workbench) -> None:
    broken = TABLE.replace("[8..15[", "8..15 hours")
    draft_id, first = drafts.open_draft(bench, ANA, "decide")
    saved = drafts.save_revision(bench, ANA, draft_id, {**first.files, "cut_window.dmn": broken}, base_revision=1)
    assert saved.summary.has_errors
    [problem] = saved.problems
    assert (problem["file"], problem["line"], problem["severity"]) == ("cut_window.dmn", 26, "error")
    assert "'8..15 hours' is neither FEEL" in problem["message"]
    uncalled = TABLE.replace('id="may_cut"', 'id="may_cut_now"')
    saved = drafts.save_revision(bench, ANA, draft_id, {**first.files, "cut_window.dmn": uncalled}, base_revision=2)
    by_file = {(p["file"], p["element_id"], p["name"]) for p in saved.problems}
    assert by_file == {("decide.bpmn", "ask", "May this customer be cut now?"),
                       ("cut_window.dmn", "may_cut_now", "May this customer be cut now?")}
    with pytest.raises(DraftHasErrors):
        proposals.propose(bench, ANA, draft_id, "try")


def test_a_draft_file_must_be_bpmn_or_dmn(bench: Workbench) -> None:
    draft_id, first = drafts.open_draft(bench, ANA, "decide")
    with pytest.raises(WorkbenchInvalid, match=r"ending in \.bpmn or \.dmn"):
        drafts.save_revision(bench, ANA, draft_id, {**first.files, "cut_window.xlsx": TABLE}, base_revision=1)


def test_a_rehearsal_of_the_moved_window_counts_and_lists_the_answers_that_move(
        services: Services, bench: Workbench) -> None:
    """Issue 16 must-show: a rehearsal on recorded cases shows how many cuts would have moved."""
    recorded = {hour: ask(services, hour) for hour in HOURS}
    ask(services, 16, "protected")  # never cut, whatever the window: its answer does not move
    run_id = rehearsal_jobs.request(bench, ANA, table_draft(bench), {"last": 200})
    assert rehearsal_jobs.RehearsalWorker(bench, services.runtime.environment).run_queued() == 1
    with services.db.reading() as session:
        run = rehearsal_runs.run(session, run_id)
    assert run is not None and run.summary is not None and run.cases is not None
    lines = [line_text(line, str) for line in run.summary["lines"]]
    assert lines[:2] == [
        "7 cases rehearsed: 5 with the same outcome, 2 with a different outcome, 0 needing an input they never had",
        "in 2 cases the decision table may_cut_table (May this customer be cut now?) would have answered otherwise"]
    moved = [v for v in run.cases if v["outcome"] == "different"]
    assert len(moved) == 2 and recorded[15] == recorded[16] == {"allowed": False, "reason": "outside the window"}
    texts = sorted(fact_text(v["facts"][0], str, str) for v in moved)
    assert texts == [
        "the decision table may_cut_table (May this customer be cut now?) would have answered "
        f'allowed = true, reason = "inside the window" instead of allowed = false, reason = "outside the window" '
        f'(asked with Customer class = "household", Day type = "working_day", Hour (Beijing) = {hour})'
        for hour in (15, 16)]
