"""Issue 16 must-show on the shipped cut-window table (bpmn/cut_window.dmn): a draft that moves the
window's end from 15:00 to 17:00, rehearsed on the recorded disconnections of a batch issued on a
Friday at 15:50 (cut on Monday at 08:00), shows how many cuts would have moved — each child's first
question, asked again of the draft's table with the facts it recorded, is answered "allowed".

The cut's new moment is not rehearsed: ``cut_policy.plan`` is a service call, answered from the case
(it asked the deployed table), so the count of moved answers is the measure."""

from __future__ import annotations

from datetime import timedelta

from app.runtime.actors import Actor
from app.workbench import drafts, proposals
from app.workbench.context import Workbench
from app.workbench.rehearsal import runs as rehearsal_jobs
from app.workbench.rehearsal.wording import fact_text, line_text
from storage import rehearsal_runs
from tests.utility import Utility
from tests.workflow.test_cut_window import apply_and_approve, attributes, beijing, move_to, owing, policy, trips
from tests.workflow.test_disconnect import EXECUTOR, children, complete

__all__ = ["policy"]
ANA = Actor("ana", frozenset({"analyst"}))
SUE = Actor("sue", frozenset({"sysadmin"}))  # the second person, who approves (four eyes)
WINDOW_CELL = "not([8..15[)"  # the rule "outside the cut hours" of the shipped table


def test_moving_the_window_end_to_17_00_would_have_moved_the_friday_cuts(policy: Utility) -> None:
    owing(policy, "3400000011", "3400000012", "3400000013")
    batch = apply_and_approve(policy, ["3400000011", "3400000012"])
    move_to(policy, beijing("2026-03-13T15:50"))  # a Friday, after the window's 15:00 end
    complete(policy, "issue", {"keep": {}, "cancel": []}, EXECUTOR, batch)
    policy.run()
    move_to(policy, beijing("2026-03-16T07:30:30"))  # the re-notice, then the cut at 08:00
    move_to(policy, beijing("2026-03-16T08:01"))
    assert len(trips(policy)) == 2
    policy.advance(timedelta(minutes=5))
    assert {kid.status for kid in children(policy, batch)} == {"completed"}

    bench = Workbench.of(policy.services.runtime)
    draft_id, first = drafts.open_draft(bench, ANA, "disconnect_customer", title="cut until 17:00")
    assert first.files["cut_window.dmn"].count(WINDOW_CELL) == 1
    table = first.files["cut_window.dmn"].replace(WINDOW_CELL, "not([8..17[)")
    saved = drafts.save_revision(bench, ANA, draft_id, {**first.files, "cut_window.dmn": table}, base_revision=1)
    assert saved.problems == []
    run_id = rehearsal_jobs.request(bench, ANA, draft_id, {"last": 200})
    assert rehearsal_jobs.RehearsalWorker(bench, policy.services.runtime.environment).run_queued() == 1
    with policy.services.db.reading() as session:
        run = rehearsal_runs.run(session, run_id)
    assert run is not None and run.summary is not None and run.cases is not None, run
    lines = [line_text(line, str) for line in run.summary["lines"]]
    assert lines[1].startswith("in 2 cases the decision table may_cut_table"), lines
    for case in run.cases:
        [decision] = [f for f in case["facts"] if f["fact"] == "decision"]
        assert decision["recorded"]["cut_allowed"] is False and decision["rehearsed"]["cut_allowed"] is True
        assert "Hour (Beijing) = 15" in fact_text(decision, str, str)

    # ...then proposed, approved by a second person, and a later Friday's batch cuts before 17:00
    proposal_id = proposals.propose(bench, ANA, draft_id, "cut until 17:00")
    proposals.approve(bench, SUE, proposal_id, "agreed with operations")
    later = apply_and_approve(policy, ["3400000013"])  # a batch of the new version (its children follow it)
    move_to(policy, beijing("2026-03-27T15:50"))  # the next Friday but one: the notice is 11 days old
    complete(policy, "issue", {"keep": {}, "cancel": []}, EXECUTOR, later)
    policy.run()
    [kid] = children(policy, later)
    assert attributes(policy, kid.id)["cut_wait_reason"] == "allowed"  # waits only for the re-notice
    move_to(policy, beijing("2026-03-27T16:21"))
    assert len(trips(policy)) == 3
    assert trips(policy)[-1].created_at >= beijing("2026-03-27T16:20")
