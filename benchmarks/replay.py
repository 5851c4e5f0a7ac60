"""Replay-and-verify speed (issue 5): recorded reconnections replayed from their deployment's BPMN
and recorded inputs, beside the raw engine running the same BPMN with the same inputs.

Setup (not timed): the real bpmn/ deployed on a fresh SQLite file; three reconnections recorded
through the real runtime with the simulated head-end and a travelling clock — sent once and
reconnected; two failed sends then reconnected; three failed sends, the reader's SMS, an on-site
order completed by the reader — then cloned (new instance ids, each history re-chained) up to
``--cases`` recorded cases.

Timed, on one pinned core, per round:
  replay  — ``Replayer.replay_many`` (what ``relayflow replay --all`` runs): read the cases from
            the database 200 at a time, then for each a fresh workflow from its deployment, the
            recorded inputs, every engine event compared (each must verify).
  replay (in memory) — the same, events already read: ``CaseReplay.run`` only.
  raw     — SpiffWorkflow alone on the same parsed BPMN: the library's own script engine
            (service calls answered from the same recorded results), the same inputs at the same
            times, no recording, no comparison, no database.

Prints cases/s (median of the rounds), median and p95 per case, and the ratios.
Targets: replay ≥ 100 cases/s on one core, and ≥ 0.5 of the raw engine.

    .venv/bin/python benchmarks/replay.py [--cases 10000] [--rounds 3]
"""

from __future__ import annotations

import argparse
import gc
import itertools
import json
import logging
import os
import statistics
import sys
import tempfile
import time
from collections import defaultdict, deque
from datetime import timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import time_machine  # noqa: E402
from bench_common import pin_to_one_core  # noqa: E402
from SpiffWorkflow.bpmn import BpmnWorkflow  # noqa: E402
from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine  # noqa: E402
from SpiffWorkflow.bpmn.util.event import BpmnEvent  # noqa: E402
from SpiffWorkflow.spiff.specs.event_definitions import MessageEventDefinition  # noqa: E402
from SpiffWorkflow.task import TaskState  # noqa: E402
from sqlalchemy import insert, select, update  # noqa: E402

from app.audit.chains import streams_to_verify  # noqa: E402
from app.audit.parallel import replay_cases, verify_chains  # noqa: E402
from app.audit.replay import Replayer  # noqa: E402
from app.audit.replay.driver import CaseReplay  # noqa: E402
from app.audit.replay.recorded import RecordedCase, recorded_case  # noqa: E402
from app.bootstrap import Services  # noqa: E402
from app.runtime.actors import Actor  # noqa: E402
from app.runtime.engine.clock import engine_time  # noqa: E402
from app.runtime.engine.projection import awaited_messages  # noqa: E402
from app.runtime.engine.state import SpecPair  # noqa: E402
from app.runtime.events.history import GENESIS_HASH, NewEvent, chain, instance_stream  # noqa: E402
from app.usecases.reconnections import run_patrol  # noqa: E402
from storage import migrate  # noqa: E402
from storage.models import HistoryEvent, Instance, UserTask  # noqa: E402
from tests.utility import NOW, Utility, build_utility_app, seed_customer, seed_segment  # noqa: E402

READER = Actor("reader-01", frozenset({"executor"}))
BEHAVIOURS = ("succeeds", "fails-twice", "fails")


def record_templates(u: Utility) -> list[int]:
    """Three reconnections through the real runtime: one per head-end behaviour."""
    for n, behaviour in enumerate(BEHAVIOURS, start=1):
        number = f"340000000{n}"
        seed_customer(u.services, number)
        meter = u.customer(number).meter_address
        u.headend.set_behaviour(meter, "fails" if behaviour != "succeeds" else "succeeds")
    run_patrol(u.services.runtime)
    u.advance(timedelta(hours=3))  # two failed sends for the 2nd and 3rd (the third goes at ~5 h)
    u.headend.set_behaviour(u.customer("3400000002").meter_address, "succeeds")
    u.advance(timedelta(hours=3))
    with u.services.db.reading() as session:
        task = session.execute(select(UserTask)).scalar_one()
    u.services.runtime.complete_task(task.id, {"reconnected_at": u.services.clock.now().isoformat(),
                                               "note": "fuse replaced"}, READER)
    with u.services.db.reading() as session:
        rows = session.execute(select(Instance.id, Instance.status).order_by(Instance.id)).all()
    assert [status for _id, status in rows] == ["completed"] * 3, rows
    return [instance_id for instance_id, _status in rows]


def clone_cases(u: Utility, templates: list[int], cases: int) -> list[int]:
    """Copies of the recorded cases under new instance ids, each history re-chained."""
    with u.services.db.reading() as session:
        rows = {i: session.get(Instance, i) for i in templates}
        events = {i: session.execute(select(HistoryEvent).where(HistoryEvent.instance_id == i)
                                     .order_by(HistoryEvent.seq)).scalars().all() for i in templates}
    skip = {"id", "history_seq", "history_hash", "parent_id"}
    ids = list(templates)
    with u.services.db.transaction() as session:
        for n in range(cases - len(templates)):
            source = templates[n % len(templates)]
            template = rows[source]
            assert template is not None
            values = {c.name: getattr(template, c.key) for c in Instance.__table__.columns if c.name not in skip}
            new_id = session.execute(insert(Instance).values(**values).returning(Instance.id)).scalar_one()
            chained: list[dict[str, Any]] = []
            for event in events[source]:  # each at its own time, chained as the runtime chains them
                head = (chained[-1]["seq"], chained[-1]["hash"]) if chained else (0, GENESIS_HASH)
                chained += chain([NewEvent(event.type, event.element_id, event.data, event.actor)],
                                 stream=instance_stream(new_id), head=head, actor=event.actor, at=event.at,
                                 instance_id=new_id, deployment_id=event.deployment_id)
            session.execute(insert(HistoryEvent), chained)
            session.execute(update(Instance).where(Instance.id == new_id).values(
                history_seq=chained[-1]["seq"], history_hash=chained[-1]["hash"]))
            ids.append(new_id)
    return ids


class RawEngine(PythonScriptEngine):
    """The library's own script engine; service calls answered from recorded results."""

    def __init__(self, results: dict[str | None, deque[dict[str, Any]]]) -> None:
        super().__init__()
        self.results = results

    def call_service(self, task: Any, operation_name: str, operation_params: dict[str, Any]) -> str:  # type: ignore[override]
        return json.dumps(self.results[task.task_spec.bpmn_id].popleft())


def raw_run(case: RecordedCase, specs: SpecPair) -> None:
    results: dict[str | None, deque[dict[str, Any]]] = defaultdict(deque)
    for event in case.events:
        if event.type == "service.called":
            results[event.element_id].append(event.data["result"])
    workflow = BpmnWorkflow(*specs, script_engine=RawEngine(results))
    for event in case.events:
        with engine_time(event.at):
            if event.type == "instance.started":
                workflow.get_next_task(spec_name="Start").set_data(**event.data["data"])
            elif event.type == "message.received":
                target = next(m for m in awaited_messages(workflow) if m.message_name == event.data["name"])
                workflow.send_event(BpmnEvent(MessageEventDefinition(target.message_name),
                                              payload=event.data["payload"], correlations=target.correlations))
            elif event.type == "timer.fired":
                workflow.refresh_waiting_tasks()
            elif event.type == "task.completed":
                task = next(t for t in workflow.get_tasks(state=TaskState.READY, manual=True)
                            if t.task_spec.bpmn_id == event.element_id)
                task.set_data(**event.data["data"])
                task.run()
            else:
                continue
            workflow.do_engine_steps()
    assert workflow.completed


def timed(run: Any, items: list[Any]) -> tuple[float, list[float]]:
    per_case = []
    began = time.perf_counter()
    for item in items:
        start = time.perf_counter()
        run(item)
        per_case.append(time.perf_counter() - start)
    return time.perf_counter() - began, per_case


def p95(values: list[float]) -> float:
    return sorted(values)[max(0, int(len(values) * 0.95) - 1)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cases", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    logging.getLogger("spiff").setLevel(logging.WARNING)
    pinned = pin_to_one_core()
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/replay.sqlite3"
        migrate.upgrade(url)
        with time_machine.travel(NOW, tick=False) as traveller:
            app = build_utility_app(url, Path(tmp))
            services = app.extensions["relayflow"]
            seed_segment(services)
            u = Utility(app, services, traveller, Path(tmp) / "sms.jsonl")
            began = time.perf_counter()
            ids = clone_cases(u, record_templates(u), args.cases)
            print(f"setup: {len(ids)} recorded reconnections in {time.perf_counter() - began:.1f} s "
                  f"({pinned})")
        with services.db.reading() as session:
            loaded = [recorded_case(session, i) for i in ids]
        gc.collect()
        gc.freeze()  # 10,000 cases held for the in-memory runs: keep the collector from re-scanning them
        replayer = Replayer(services.db, services.runtime)
        first = replayer.replay(ids[0])
        assert first.verified, first.summary()
        with services.db.reading() as session:
            specs = replayer.sources.specs(session, first.deployment_id or 0, "reconnect")
        environment = services.runtime.environment
        events = sum(len(case.events) for case in loaded)
        print(f"{events / len(loaded):.1f} recorded events per case on average")

        def replay_all() -> tuple[float, list[float]]:
            """As ``relayflow replay --all`` does: cases read from the database 200 at a time."""
            marks = [time.perf_counter()]
            summary = replayer.replay_many(ids, lambda _result: marks.append(time.perf_counter()))
            assert summary.verified == len(ids), [r.summary() for r in summary.diverged[:3]]
            return marks[-1] - marks[0], [b - a for a, b in itertools.pairwise(marks)]

        def replay_in_memory(case: RecordedCase) -> None:
            assert CaseReplay(case, specs, environment).run() is None

        rounds: dict[str, list[tuple[float, list[float]]]] = {"replay": [], "replay (in memory)": [], "raw": []}
        for _ in range(args.rounds):
            rounds["replay"].append(replay_all())
            rounds["replay (in memory)"].append(timed(replay_in_memory, loaded))
            rounds["raw"].append(timed(lambda case: raw_run(case, specs), loaded))
        rates = {}
        for name, runs in rounds.items():
            rates[name] = statistics.median(len(ids) / total for total, _ in runs)
            per_case = [statistics.median(times) * 1000 for _, times in runs]
            tails = [p95(times) * 1000 for _, times in runs]
            print(f"{name:<20} {rates[name]:8.0f} cases/s (median of {args.rounds} rounds; rounds: "
                  f"{', '.join(f'{len(ids) / total:.0f}' for total, _ in runs)})  per case: median "
                  f"{statistics.median(per_case):.2f} ms, p95 {statistics.median(tails):.2f} ms")
        print(f"replay / raw: {rates['replay'] / rates['raw']:.2f} (from the database), "
              f"{rates['replay (in memory)'] / rates['raw']:.2f} (in memory)   targets: ≥ 100 cases/s, ≥ 0.5")
        del loaded
        several_processes(services, ids, args.rounds)


def several_processes(services: Services, ids: list[int], rounds: int) -> None:
    """Issue 14 item 7: ``replay --all --jobs N`` and ``audit verify --jobs N`` on 1 and 2 processes
    (unpinned: every core this machine has), medians of ``rounds``; target speed-up ≥ 1.7× with 2."""
    os.sched_setaffinity(0, range(os.cpu_count() or 1))
    with services.db.reading() as session:
        streams = streams_to_verify(session)
    print(f"several processes ({os.cpu_count()} cpus, load {os.getloadavg()}):")
    for name, work in (("replay --all", lambda jobs: replay_cases(services.db, services.runtime, ids, jobs)),
                       ("audit verify (chains)", lambda jobs: verify_chains(services.db, streams, jobs))):
        seconds: dict[int, float] = {}
        for jobs in (1, 2):
            times = []
            for _ in range(rounds):
                began = time.perf_counter()
                work(jobs)
                times.append(time.perf_counter() - began)
            seconds[jobs] = statistics.median(times)
        speed_up = seconds[1] / seconds[2]
        print(f"  {name:<22} --jobs 1: {seconds[1]:6.2f} s, --jobs 2: {seconds[2]:6.2f} s, speed-up {speed_up:.2f}x "
              f"(target >= 1.7: {'met' if speed_up >= 1.7 else 'NOT met'})")


if __name__ == "__main__":
    main()
