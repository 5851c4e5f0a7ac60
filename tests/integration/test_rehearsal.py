"""Issue 12 item 5: a draft rehearsed on recorded reconnections (M5), made by the real runtime with
the simulated head-end. Each case is fed to a fresh workflow of the draft; what the draft would
have done differently is said with times, and an input the case never had is named, never invented."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from app.accounts.roles import ROLES
from app.audit.replay.recorded import recorded_cases
from app.runtime.actors import Actor
from app.workbench.context import Workbench
from app.workbench.drafts import open_draft, save_revision
from app.workbench.refusals import WorkbenchForbidden, WorkbenchInvalid
from app.workbench.rehearsal import DraftSpecs, draft_specs
from app.workbench.rehearsal import runs as rehearsal_jobs
from app.workbench.rehearsal.answers import UNANSWERED
from app.workbench.rehearsal.case import CaseRehearsal
from app.workbench.rehearsal.scope import read_scope
from app.workbench.rehearsal.summary import summarise
from app.workbench.rehearsal.verdict import CaseVerdict
from app.workbench.rehearsal.wording import fact_text, line_text, needs_text
from storage import rehearsal_runs
from storage.models import HistoryEvent
from storage.statuses import RehearsalStatus
from tests.rehearsals import four_sends_45_minutes_apart, record_reconnections, unchanged, without_success_sms
from tests.utility import NOW, Utility, backend_utility, utility

__all__ = ["backend_utility", "utility"]
ANALYST = Actor("ann", frozenset({"analyst"}))
# Two customers whose three sends all fail (then a manual order, completed on site), two reconnected at once.
BEHAVIOURS = {"3400000001": "fails", "3400000002": "succeeds", "3400000003": "fails", "3400000004": "succeeds"}


def rehearse(u: Utility, files: dict[str, bytes], ids: list[int]) -> list[CaseVerdict]:
    runtime = u.services.runtime
    specs = draft_specs(files, "reconnect", operators=runtime.handlers, roles=ROLES, validators=runtime.validators)
    with u.services.db.reading() as session:
        cases = recorded_cases(session, ids)
    draft = DraftSpecs(specs, runtime.environment)
    return [draft.rehearse(cases[i]) for i in ids]


def iso(moment: datetime) -> str:
    return moment.isoformat()


def test_an_unchanged_diagram_rehearses_every_case_as_the_same_outcome(utility: Utility) -> None:
    ids = record_reconnections(utility, BEHAVIOURS)
    verdicts = rehearse(utility, unchanged(), ids)
    assert [(v.outcome, v.facts, v.needs) for v in verdicts] == [("same", [], None)] * 4
    assert line_text(summarise(verdicts)["lines"][0], str) == (
        "4 cases rehearsed: 4 with the same outcome, 0 with a different outcome, 0 needing an input they never had")


def test_four_sends_45_minutes_apart_would_send_a_4th_command_and_need_its_result(utility: Utility) -> None:
    """M5.2 edited (loop maximum 3 → 4, retry wait PT2H → PT45M) on cases whose 3 sends failed."""
    ids = record_reconnections(utility, BEHAVIOURS)
    verdicts = rehearse(utility, four_sends_45_minutes_apart(), ids)
    failed, reconnected = [verdicts[0], verdicts[2]], [verdicts[1], verdicts[3]]
    assert [v.outcome for v in reconnected] == ["same", "same"]  # sent once, reconnected: no retry to shorten
    for verdict in failed:
        # the head-end answered each send a minute later (as recorded); the retry waits 45 min from that
        # answer, and fires once its time has passed (+1 s, as the worker wakes)
        sends, sent = [], NOW
        for _ in range(3):
            sent = sent + timedelta(minutes=1) + timedelta(minutes=45, seconds=1)
            sends.append(sent)
        assert verdict.outcome == "needs_input"
        assert {"fact": "extra", "kind": "command", "key": "direct_close", "n": 4, "at": iso(sends[2])} in verdict.facts
        assert [f["n"] for f in verdict.facts if f["fact"] == "earlier"] == [2, 3]  # sends 2 and 3 come sooner
        assert verdict.needs == {"what": "answer", "name": "headend.send_command", "n": 4, "recorded": 3,
                                 "at": iso(sends[2])}
        assert not [f for f in verdict.facts if f["fact"] == "missing"]  # nothing judged after the stop
        assert "would have sent a 4th command at " + iso(sends[2]) in [fact_text(f, str, str) for f in verdict.facts]
        assert needs_text(verdict.needs, str, str).startswith(
            "needs the result of a 4th command, which the case never had (it recorded 3)")
    lines = [line_text(line, str) for line in summarise(verdicts)["lines"]]
    assert "2 cases would have sent a 4th command" in lines
    assert "2 cases: needs the result of a 4th command, which the case never had (it recorded 3)" in lines
    assert "0 customers would have been cut who were not" in lines


def test_the_4th_result_is_not_invented(utility: Utility) -> None:
    """The draft stops at the 4th send: no made-up command id, no head-end result, no SMS after it."""
    ids = record_reconnections(utility, {"3400000001": "fails"})
    runtime = utility.services.runtime
    specs = draft_specs(four_sends_45_minutes_apart(), "reconnect", operators=runtime.handlers, roles=ROLES,
                        validators=runtime.validators)
    with utility.services.db.reading() as session:
        case = recorded_cases(session, ids)[ids[0]]
    run = CaseRehearsal(case, specs, runtime.environment).run()
    assert [(c.operator, c.n, c.outcome) for c in run.calls][-1] == ("headend.send_command", 4, UNANSWERED)
    assert run.status == "stopped" and run.missing is not None and run.missing.name == "headend.send_command"
    assert [c.operator for c in run.calls].count("sms.notify_reader") == 0  # the recorded SMS came after 3 sends


def test_a_draft_without_the_success_sms_says_how_many_customers_would_not_have_been_told(utility: Utility) -> None:
    """M5.3: the customer is told by SMS when power is restored; the draft drops that step."""
    ids = record_reconnections(utility, BEHAVIOURS)
    verdicts = rehearse(utility, without_success_sms(), ids)
    assert [v.outcome for v in verdicts] == ["same", "different", "same", "different"]
    assert verdicts[1].facts == [{"fact": "missing", "kind": "sms_customer", "key": "reconnected", "n": 1,
                                  "recorded_at": iso(NOW + timedelta(minutes=1))}]
    assert fact_text(verdicts[1].facts[0], str, str).startswith("would not have told the customer by SMS (reconnected)")
    lines = [line_text(line, str) for line in summarise(verdicts)["lines"]]
    assert "2 customers would not have been told (reconnected)" in lines


def test_an_on_site_order_reached_later_is_said_with_the_delay(utility: Utility) -> None:
    """Retry wait PT2H → PT3H: a case whose sends all failed reaches its manual order 2 h later."""
    ids = record_reconnections(utility, {"3400000001": "fails"}, hours=9)
    slower = {"reconnect.bpmn": unchanged()["reconnect.bpmn"].replace(b'"PT2H"', b'"PT3H"')}
    verdict = rehearse(utility, slower, ids)[0]
    assert verdict.outcome == "different"
    order = next(f for f in verdict.facts if f["kind"] == "order" and f["key"] == "manual")
    # two retries an hour longer each; the recorded worker woke a minute after each retry was due (the
    # test's clock moves a minute at a time), the rehearsal fires a draft timer at its due time (+1 s)
    assert (order["fact"], order["minutes"]) == ("later", 120 - 2)
    lines = [line_text(line, str) for line in summarise([verdict])["lines"]]
    assert "1 case would have reached the manual order 1 h 58 min later" in lines
    restored = next(f for f in verdict.facts if f["kind"] == "restored")  # the on-site form follows its task
    assert (restored["fact"], restored["minutes"]) == ("later", 118)


def draft_of(u: Utility, files: dict[str, bytes]) -> int:
    bench = Workbench.of(u.services.runtime)
    draft_id, first = open_draft(bench, ANALYST, "reconnect")
    save_revision(bench, ANALYST, draft_id, {name: data.decode() for name, data in files.items()}, first.summary.n)
    return draft_id


def test_a_worker_runs_a_queued_rehearsal_with_progress_and_keeps_the_results(
        backend_utility: Utility, monkeypatch: pytest.MonkeyPatch) -> None:
    u = backend_utility
    ids = record_reconnections(u, BEHAVIOURS)
    bench = Workbench.of(u.services.runtime)
    run_id = rehearsal_jobs.request(bench, ANALYST, draft_of(u, four_sends_45_minutes_apart()), {"last": 200})
    assert rehearsal_jobs.run_of(bench, run_id).status == RehearsalStatus.QUEUED
    seen: list[tuple[int, int, int]] = []

    def progress(done: int, total: int) -> None:  # what the page's progress bar would read now
        stored = rehearsal_jobs.run_of(bench, run_id)
        seen.append((stored.done, stored.total, done))

    monkeypatch.setattr(rehearsal_jobs, "PROGRESS_EVERY", 1)
    worker = rehearsal_jobs.RehearsalWorker(bench, u.services.runtime.environment, progress)
    assert worker.run_queued() == 1
    assert seen == [(0, 4, 0), (1, 4, 1), (2, 4, 2), (3, 4, 3)]
    stored = rehearsal_jobs.run_of(bench, run_id)
    assert (stored.status, stored.done, stored.total) == (RehearsalStatus.DONE, 4, 4)
    assert stored.summary is not None and stored.summary["outcomes"] == {"same": 2, "different": 0, "needs_input": 2}
    assert stored.cases is not None and [c["instance_id"] for c in stored.cases] == ids
    assert worker.run_queued() == 0  # nothing queued any more
    with u.services.db.reading() as session:
        kinds = list(session.execute(select(HistoryEvent.type, HistoryEvent.actor).where(
            HistoryEvent.type.like("rehearsal.%")).order_by(HistoryEvent.id)))
    assert [tuple(k) for k in kinds] == [("rehearsal.requested", "ann"), ("rehearsal.done", "system:worker")]


def test_the_scope_picks_the_cases(backend_utility: Utility) -> None:
    ids = record_reconnections(backend_utility, BEHAVIOURS)

    def cases(scope: object) -> list[int]:
        with backend_utility.services.db.reading() as session:
            return rehearsal_jobs.case_ids(session, "reconnect", read_scope(scope))

    assert cases({"last": 2}) == [ids[0], ids[2]]  # the failed ones ended last, on site hours later
    assert cases({}) == ids  # the last 200 by default
    assert cases({"customers": ["3400000003", "3400000004"]}) == ids[2:]
    assert cases({"from": "2026-03-02", "to": "2026-03-02"}) == ids  # Beijing days, both included
    assert cases({"from": "2026-03-02T09:00", "to": "2026-03-02T09:30"}) == [ids[1], ids[3]]  # reconnected at once
    assert cases({"from": "2026-03-03", "to": "2026-03-04"}) == []


@pytest.mark.parametrize("scope", [{"last": 0}, {"last": "200"}, {"customers": []}, {"from": "yesterday", "to": "x"},
                                   {"from": "2026-03-02", "to": "2026-03-01"}, {"nearby": 3}, [1]])
def test_a_bad_scope_is_refused_naming_the_field(scope: object) -> None:
    with pytest.raises(WorkbenchInvalid) as refused:
        read_scope(scope)
    assert refused.value.field.startswith("scope")


def test_only_analysts_rehearse(utility: Utility) -> None:
    bench = Workbench.of(utility.services.runtime)
    draft_id = draft_of(utility, unchanged())
    for actor in (Actor("sam", frozenset({"sysadmin"})), Actor("rui", frozenset({"executor", "auditor"}))):
        with pytest.raises(WorkbenchForbidden):
            rehearsal_jobs.request(bench, actor, draft_id, {"last": 10})


def test_a_run_whose_worker_died_is_run_again_by_the_next_holder_of_the_job(backend_utility: Utility) -> None:
    """Issue 14 item 2: the rehearsals job runs on the holder of its lease only, so a run still
    marked running when the job starts was claimed by a worker that died: it is queued and run."""
    u = backend_utility
    record_reconnections(u, BEHAVIOURS)
    bench = Workbench.of(u.services.runtime)
    run_id = rehearsal_jobs.request(bench, ANALYST, draft_of(u, four_sends_45_minutes_apart()), {"last": 200})
    with u.services.db.transaction() as session:
        assert rehearsal_runs.claim_next(session) is not None  # the worker that claimed it is killed here
    worker = rehearsal_jobs.RehearsalWorker(bench, u.services.runtime.environment)
    assert worker.run_queued() == 0  # nothing queued: it is "running"
    assert worker.run_abandoned_and_queued() == 1
    assert rehearsal_jobs.run_of(bench, run_id).status == RehearsalStatus.DONE
