"""Rehearsal speed (issue 12 item 5): a draft rehearsed on ≥ 1,000 distinct recorded reconnections,
beside ``relayflow replay --all`` and the raw engine on the same cases, in the same run.

Setup (not timed): the real bpmn/ deployed on a fresh SQLite file; ``--cases`` distinct customers,
each reconnected through the durable runtime with the simulated head-end and a travelling clock —
a third reconnected at the first send, a third after two failed sends, a third failing all three
sends, then the reader's SMS and an on-site order completed by the reader. Every case is its own
recording (its own customer, command ids, order numbers, times); nothing is cloned.

Timed, on one pinned core, per round (``--rounds``, medians reported):
  rehearsal — what the worker runs for a queued rehearsal of a draft (the analysts' edit: 4 sends,
              45 minutes apart) on the last ``--cases`` ended cases: read the cases 200 at a time,
              a fresh workflow of the draft per case fed its recorded inputs, progress committed every
              10 cases, the summary and every case's verdict stored. No result is cached between
              cases or rounds (each round is a new run).
  replay    — ``Replayer.replay_many`` on the same cases (what ``relayflow replay --all`` runs).
  raw       — SpiffWorkflow alone on the same cases with their own BPMN: the library's script
              engine, service calls answered from the recorded results, the same inputs at the same
              times, no recording, no comparison, no database (``benchmarks/replay.py``'s raw run).

Prints cases/s of each, rehearsal ÷ replay (target ≥ 0.8) and rehearsal ÷ raw.

    .venv/bin/python benchmarks/rehearsal.py [--cases 1000] [--rounds 3]
"""

from __future__ import annotations

import argparse
import gc
import logging
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import time_machine  # noqa: E402
from bench_common import pin_to_one_core  # noqa: E402
from replay import raw_run  # noqa: E402
from sqlalchemy import select  # noqa: E402

from app.audit.replay import Replayer  # noqa: E402
from app.audit.replay.recorded import recorded_cases  # noqa: E402
from app.runtime.actors import Actor  # noqa: E402
from app.usecases.reconnections import run_patrol  # noqa: E402
from app.workbench.context import Workbench  # noqa: E402
from app.workbench.drafts import open_draft, save_revision  # noqa: E402
from app.workbench.rehearsal import runs  # noqa: E402
from storage import migrate  # noqa: E402
from storage.models import Instance, UserTask  # noqa: E402
from storage.statuses import RehearsalStatus  # noqa: E402
from tests.rehearsals import four_sends_45_minutes_apart  # noqa: E402
from tests.utility import NOW, Utility, build_utility_app, seed_customer, seed_segment  # noqa: E402

ANALYST = Actor("ann", frozenset({"analyst"}))
READER = Actor("reader-rui", frozenset({"executor"}))


def record_cases(u: Utility, cases: int) -> list[int]:
    """``cases`` distinct reconnections through the durable runtime (see the module's docstring)."""
    numbers = [f"34{n:08d}" for n in range(1, cases + 1)]
    for n, number in enumerate(numbers):
        seed_customer(u.services, number)
        u.headend.set_behaviour(u.customer(number).meter_address, "succeeds" if n % 3 == 0 else "fails")
    run_patrol(u.services.runtime)
    u.advance(timedelta(hours=3), step=timedelta(minutes=5))  # two failed sends for the 2nd and 3rd thirds
    for number in numbers[1::3]:
        u.headend.set_behaviour(u.customer(number).meter_address, "succeeds")
    u.advance(timedelta(hours=3), step=timedelta(minutes=5))
    with u.services.db.reading() as session:
        tasks = list(session.execute(select(UserTask.id)).scalars())
    for task_id in tasks:
        u.services.runtime.complete_task(task_id, {"reconnected_at": u.services.clock.now().isoformat(),
                                                   "note": "fuse replaced"}, READER)
    with u.services.db.reading() as session:
        rows = session.execute(select(Instance.id, Instance.status).where(Instance.process_id == "reconnect")
                               .order_by(Instance.id)).all()
    assert len(rows) == cases and {status for _id, status in rows} == {"completed"}, rows[:5]
    return [instance_id for instance_id, _status in rows]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cases", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    logging.getLogger("spiff").setLevel(logging.WARNING)
    pinned = pin_to_one_core()
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/rehearsal.sqlite3"
        migrate.upgrade(url)
        with time_machine.travel(NOW, tick=False) as traveller:
            app = build_utility_app(url, Path(tmp))
            services = app.extensions["relayflow"]
            seed_segment(services)
            u = Utility(app, services, traveller, Path(tmp) / "sms.jsonl")
            began = time.perf_counter()
            ids = record_cases(u, args.cases)
            print(f"setup: {len(ids)} distinct recorded reconnections in {time.perf_counter() - began:.0f} s "
                  f"({pinned})")
            bench = Workbench.of(services.runtime)
            draft_id, first = open_draft(bench, ANALYST, "reconnect")
            edited = {name: data.decode() for name, data in four_sends_45_minutes_apart().items()}
            save_revision(bench, ANALYST, draft_id, edited, first.summary.n)
        worker = runs.RehearsalWorker(bench, services.runtime.environment)
        replayer = Replayer(services.db, services.runtime)
        with services.db.reading() as session:
            loaded = recorded_cases(session, ids)
        first_case = replayer.replay(ids[0])
        with services.db.reading() as session:
            specs = replayer.sources.specs(session, first_case.deployment_id or 0, "reconnect")
        gc.collect()
        gc.freeze()

        def rehearsal() -> float:
            run_id = runs.request(bench, ANALYST, draft_id, {"last": len(ids)})
            began = time.perf_counter()
            assert worker.run_queued() == 1
            seconds = time.perf_counter() - began
            done = runs.run_of(bench, run_id)
            assert done.status == RehearsalStatus.DONE and done.total == len(ids), (done.status, done.error)
            return seconds

        def replay_all() -> float:
            began = time.perf_counter()
            summary = replayer.replay_many(ids)
            assert summary.verified == len(ids), [r.summary() for r in summary.diverged[:3]]
            return time.perf_counter() - began

        def raw() -> float:
            began = time.perf_counter()
            for instance_id in ids:
                raw_run(loaded[instance_id], specs)
            return time.perf_counter() - began

        timings: dict[str, list[float]] = {"rehearsal": [], "replay --all": [], "raw engine": []}
        for _ in range(args.rounds):
            timings["rehearsal"].append(rehearsal())
            timings["replay --all"].append(replay_all())
            timings["raw engine"].append(raw())
        rates = {name: statistics.median(len(ids) / s for s in seconds) for name, seconds in timings.items()}
        for name, seconds in timings.items():
            print(f"{name:<14} {rates[name]:7.0f} cases/s (median of {args.rounds}; rounds: "
                  f"{', '.join(f'{len(ids) / s:.0f}' for s in seconds)})")
        last = runs.run_of(bench, max(r.id for r in _runs(bench, draft_id)))
        print(f"outcomes of the last run: {last.summary['outcomes'] if last.summary else None}")
        print(f"rehearsal / replay --all: {rates['rehearsal'] / rates['replay --all']:.2f} (target ≥ 0.8);  "
              f"rehearsal / raw engine: {rates['rehearsal'] / rates['raw engine']:.2f}")


def _runs(bench: Workbench, draft_id: int) -> list[runs.RehearsalRunRecord]:
    from storage import rehearsal_runs

    with bench.db.reading() as session:
        return rehearsal_runs.runs_of_draft(session, draft_id)


if __name__ == "__main__":
    main()
