"""Rehearsal runs: an analyst asks for one (a queued ``rehearsal_runs`` row of the draft's latest
revision — results are kept with that revision); a worker job takes queued runs one at a time,
rehearses each case, commits its progress every few cases (the page's progress bar reads it) and
stores the summary and the per-case verdicts. Who asked, and how it ended, is in the
``deployments`` history beside the draft's proposals."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from sqlalchemy.orm import Session

from app.audit.replay import started_deployment
from app.audit.replay.recorded import RecordedCase, recorded_cases
from app.audit.replay.source import DeploymentSources, SourceChanged
from app.runtime.actors import Actor
from app.runtime.deployment.bpmn_source import DeployError
from app.runtime.engine.expressions import RestrictedEnvironment
from app.runtime.engine.state import SpecPair
from app.runtime.events import history
from app.runtime.events.history import NewEvent
from app.translations import N_
from app.workbench.context import ANALYST, DEPLOYMENTS_STREAM, Workbench, require_role
from app.workbench.refusals import DraftHasErrors, WorkbenchNotFound
from app.workbench.rehearsal import DraftSpecs, draft_specs
from app.workbench.rehearsal.scope import Scope, read_scope
from app.workbench.rehearsal.summary import summarise
from app.workbench.rehearsal.verdict import CaseVerdict
from storage import drafts, rehearsal_cases, rehearsal_runs
from storage.rehearsal_runs import RehearsalRunRecord

log = logging.getLogger(__name__)
PROGRESS_EVERY = 10  # cases between two commits of the progress
CHUNK = 200  # cases read from the database at a time


def request(bench: Workbench, actor: Actor, draft_id: int, raw_scope: object) -> int:
    """Queue a rehearsal of the draft's latest revision on the scope's cases; returns the run's id."""
    require_role(actor, ANALYST, N_("Only analysts rehearse drafts"))
    scope = read_scope(raw_scope)
    with bench.db.transaction() as session:
        draft = drafts.draft(session, draft_id)
        revision = drafts.latest_revision(session, draft_id) if draft is not None else None
        if draft is None or revision is None:
            raise WorkbenchNotFound(N_("There is no draft {id}"), id=draft_id)
        if revision.summary.has_errors:
            raise DraftHasErrors(revision.problems, N_(
                "The draft has {count} problem(s) the deploy refuses: fix them and save before rehearsing"))
        now = bench.clock.now()
        run_id = rehearsal_runs.insert_run(session, revision.summary.id, actor.name, now, scope.as_dict())
        history.append(session, DEPLOYMENTS_STREAM, [NewEvent("rehearsal.requested", None, {
            "run_id": run_id, "draft_id": draft_id, "process_id": draft.process_id, "revision": revision.summary.n,
            "revision_id": revision.summary.id, "scope": scope.as_dict()})], actor=actor.name, at=now)
    return run_id


def run_of(bench: Workbench, run_id: int) -> RehearsalRunRecord:
    with bench.db.reading() as session:
        found = rehearsal_runs.run(session, run_id)
    if found is None:
        raise WorkbenchNotFound(N_("There is no rehearsal {id}"), id=run_id)
    return found


class RehearsalWorker:
    """The worker's job: run the queued rehearsals, oldest first."""

    def __init__(self, bench: Workbench, environment: RestrictedEnvironment,
                 progress: Callable[[int, int], object] | None = None) -> None:
        self.bench, self.environment, self.progress = bench, environment, progress

    def run_abandoned_and_queued(self) -> int:
        """The worker's job, run by one worker at a time (it holds the job's lease): a run still
        marked running was claimed by a worker that died, so it is queued again first."""
        with self.bench.db.transaction() as session:
            abandoned = rehearsal_runs.requeue_running(session)
        if abandoned:
            log.warning("rehearsals: %d runs of a worker that stopped are queued again", abandoned)
        return self.run_queued()

    def run_queued(self, most: int = 1) -> int:
        """Run up to ``most`` queued rehearsals; returns how many ran."""
        ran = 0
        while ran < most:
            with self.bench.db.transaction() as session:
                claimed = rehearsal_runs.claim_next(session)
            if claimed is None:
                break
            self._run(claimed)
            ran += 1
        return ran

    def _run(self, run: RehearsalRunRecord) -> None:
        try:
            verdicts = self._rehearse(run)
        except DeployError as exc:
            self._end(run, None, "; ".join(str(p) for p in exc.problems)[:2000])
        except Exception as exc:  # a defect must not leave the run "running" for ever: say so, log it
            log.exception("rehearsal %s failed", run.id)
            self._end(run, None, f"{type(exc).__name__}: {exc}"[:2000])
        else:
            self._end(run, verdicts, None)

    def _rehearse(self, run: RehearsalRunRecord) -> list[CaseVerdict]:
        bench = self.bench
        with bench.db.reading() as session:
            files = drafts.revision_files(session, run.revision_id) or {}
            process_id = drafts.revision_process_id(session, run.revision_id) or ""
            ids = case_ids(session, process_id, read_scope(run.scope))
        draft = DraftSpecs(draft_specs(files, process_id, operators=bench.operators, roles=bench.roles,
                                       validators=bench.validators), self.environment)
        self._progress(run.id, 0, len(ids))
        verdicts: list[CaseVerdict] = []
        sources = DeploymentSources()
        for start in range(0, len(ids), CHUNK):
            chunk = ids[start:start + CHUNK]
            with bench.db.reading() as session:
                cases = recorded_cases(session, chunk)
                deployed = {instance_id: _deployed_specs(session, sources, case) for instance_id, case in cases.items()}
            for done, instance_id in enumerate(chunk, start=start + 1):
                if instance_id in cases:  # one gone meanwhile is left out
                    verdicts.append(draft.rehearse(cases[instance_id], deployed[instance_id]))
                if done % PROGRESS_EVERY == 0 and done < len(ids):
                    self._progress(run.id, done, len(ids))
        return verdicts

    def _progress(self, run_id: int, done: int, total: int) -> None:
        with self.bench.db.transaction() as session:
            rehearsal_runs.set_progress(session, run_id, done, total)
        if self.progress is not None:
            self.progress(done, total)

    def _end(self, run: RehearsalRunRecord, verdicts: list[CaseVerdict] | None, error: str | None) -> None:
        now = self.bench.clock.now()
        with self.bench.db.transaction() as session:
            if verdicts is not None:
                summary = summarise(verdicts)
                rehearsal_runs.finish(session, run.id, summary, [v.as_dict() for v in verdicts], now)
                data: dict[str, Any] = {"outcomes": summary["outcomes"]}
            else:
                rehearsal_runs.fail(session, run.id, error or "", now)
                data = {"error": error}
            history.append(session, DEPLOYMENTS_STREAM, [NewEvent(
                "rehearsal.done" if verdicts is not None else "rehearsal.failed", None,
                {"run_id": run.id, "revision_id": run.revision_id, **data})], actor="system:worker", at=now)


def _deployed_specs(session: Session, sources: DeploymentSources, case: RecordedCase) -> SpecPair | None:
    """The specs the case started on, to ask its decision tables too (a deployment whose stored
    files no longer match their hash is not asked: replay reports that one)."""
    try:
        return sources.specs(session, started_deployment(case), case.process_id)
    except SourceChanged:
        return None


def case_ids(session: Session, process_id: str, scope: Scope) -> list[int]:
    """The ids of the scope's cases, oldest first."""
    if scope.customers:
        return rehearsal_cases.of_customers(session, process_id, scope.customers, scope.limit)
    if scope.start is not None and scope.end is not None:
        return rehearsal_cases.ended_between(session, process_id, scope.start, scope.end, scope.limit)
    return rehearsal_cases.last_ended(session, process_id, scope.last)
