"""Moving running cases (issue 12 item 7): 10,000 running reconnections moved from version 1 of
bpmn/reconnect.bpmn (3 sends, 2 h apart) to an analyst's version 2 (4 sends, 45 min apart) on
SQLite — the dry run over every one, then the move of every one, each in its own transaction.

Setup (not timed): the real bpmn/ deployed on a fresh SQLite file; one reconnection recorded
through the real runtime with the simulated head-end (sent once, waiting for the result), then
cloned (new instance ids, the saved state, the message it waits for, its history re-chained) up to
``--cases``; version 2 deployed. The file is copied for each round, so every round moves the same
cases from version 1.

Timed, per round, on one pinned core: ``Mover.dry_run`` (read every active instance of v1, decode
its state, SpiffWorkflow's diff) and ``Mover.move`` of all of them (lock, re-check, migrate with
``migrate_workflow``, run, save state and version, ``instance.moved`` in the history, commit).
Prints the median of the rounds; target ≤ 60 s for 10,000.

    .venv/bin/python benchmarks/move.py [--cases 10000] [--rounds 3]
"""

from __future__ import annotations

import argparse
import logging
import shutil
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import time_machine  # noqa: E402
from bench_common import pin_to_one_core  # noqa: E402
from sqlalchemy import insert, select, update  # noqa: E402

from app import create_app  # noqa: E402
from app.runtime.actors import Actor  # noqa: E402
from app.runtime.events.history import GENESIS_HASH, NewEvent, chain, instance_stream  # noqa: E402
from app.runtime.steps.moving import Mover  # noqa: E402
from app.usecases.reconnections import run_patrol  # noqa: E402
from storage import migrate  # noqa: E402
from storage.models import HistoryEvent, Instance, WaitingMessage  # noqa: E402
from tests.conftest import outside_the_database  # noqa: E402
from tests.utility import BPMN_DIR, DEPLOYER, NOW, Utility, build_utility_app, seed_customer, seed_segment  # noqa: E402

SYSADMIN = Actor("sam", frozenset({"sysadmin"}))
REASON = "M5.2 change: 4 sends, 45 minutes apart"


def record_template(u: Utility) -> int:
    """One reconnection through the real runtime: sent once, waiting for the head-end's result."""
    seed_customer(u.services, "3400000001")
    u.headend.set_behaviour(u.customer("3400000001").meter_address, "never")
    run_patrol(u.services.runtime)
    u.advance(timedelta(minutes=5))
    with u.services.db.reading() as session:
        return int(session.execute(select(Instance.id)).scalar_one())


def clone(u: Utility, template_id: int, cases: int) -> None:
    """Copies of the waiting case under new ids: row, saved state, awaited message, history."""
    with u.services.db.reading() as session:
        template = session.get(Instance, template_id)
        assert template is not None
        events = session.execute(select(HistoryEvent).where(HistoryEvent.instance_id == template_id)
                                 .order_by(HistoryEvent.seq)).scalars().all()
        waiting = session.execute(select(WaitingMessage).where(WaitingMessage.instance_id == template_id)
                                  ).scalars().all()
    skip = {"id", "history_seq", "history_hash"}
    values = {c.name: getattr(template, c.key) for c in Instance.__table__.columns if c.name not in skip}
    for start in range(1, cases, 1000):
        with u.services.db.transaction() as session:
            for _ in range(start, min(start + 1000, cases)):
                new_id = session.execute(insert(Instance).values(**values).returning(Instance.id)).scalar_one()
                rows: list[dict[str, Any]] = []
                for event in events:
                    head = (rows[-1]["seq"], rows[-1]["hash"]) if rows else (0, GENESIS_HASH)
                    rows += chain([NewEvent(event.type, event.element_id, event.data, event.actor)],
                                  stream=instance_stream(new_id), head=head, actor=event.actor, at=event.at,
                                  instance_id=new_id, deployment_id=event.deployment_id)
                session.execute(insert(HistoryEvent), rows)
                session.execute(insert(WaitingMessage), [
                    {"instance_id": new_id, "message_name": w.message_name, "correlation": w.correlation,
                     "correlations": w.correlations} for w in waiting])
                session.execute(update(Instance).where(Instance.id == new_id).values(
                    history_seq=rows[-1]["seq"], history_hash=rows[-1]["hash"]))


def prepare(path: Path, cases: int) -> None:
    url = f"sqlite:///{path}"
    migrate.upgrade(url)
    with time_machine.travel(NOW, tick=False) as traveller:
        app = build_utility_app(url, path.parent)
        services = app.extensions["relayflow"]
        seed_segment(services)
        u = Utility(app, services, traveller, path.parent / "sms.jsonl")
        clone(u, record_template(u), cases)
        edited = (BPMN_DIR / "reconnect.bpmn").read_bytes().replace(
            b'loopMaximum="3"', b'loopMaximum="4"').replace(b'"PT2H"', b'"PT45M"')
        services.deploy_files({"reconnect.bpmn": edited}, DEPLOYER)
        services.db.dispose()


def one_round(template: Path, work: Path, cases: int) -> tuple[float, float]:
    shutil.copy(template, work)
    app = create_app({"TESTING": True, "DATABASE_URL": f"sqlite:///{work}", "BPMN_DIR": str(BPMN_DIR),
                      "SECRET_KEY": "bench", "SMS_LOG_PATH": str(work.parent / "sms.jsonl"),
                      **outside_the_database(work.parent)})
    services = app.extensions["relayflow"]
    mover = Mover(services.runtime)
    with time_machine.travel(NOW + timedelta(minutes=10), tick=False):
        began = time.perf_counter()
        dry = mover.dry_run("reconnect", 1, 2, SYSADMIN)
        dried = time.perf_counter()
        movable = [c.instance_id for c in dry.candidates if c.can_move]
        outcomes = mover.move("reconnect", 1, 2, movable, REASON, SYSADMIN)
        ended = time.perf_counter()
    assert len(dry.candidates) == len(movable) == cases, (len(dry.candidates), len(movable))
    assert all(outcome.moved for outcome in outcomes)
    services.db.dispose()
    return dried - began, ended - dried


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cases", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    logging.getLogger("spiff").setLevel(logging.WARNING)
    pinned = pin_to_one_core()
    with tempfile.TemporaryDirectory() as tmp:
        template = Path(tmp) / "template.sqlite3"
        began = time.perf_counter()
        prepare(template, args.cases)
        print(f"setup: {args.cases} running reconnections on v1, v2 deployed, in {time.perf_counter() - began:.1f} s "
              f"({pinned})")
        rounds = [one_round(template, Path(tmp) / f"round{n}.sqlite3", args.cases) for n in range(args.rounds)]
    for n, (dry, move) in enumerate(rounds, start=1):
        print(f"round {n}: dry run {dry:.1f} s, move {move:.1f} s, total {dry + move:.1f} s")
    dry = statistics.median(r[0] for r in rounds)
    move = statistics.median(r[1] for r in rounds)
    total = statistics.median(r[0] + r[1] for r in rounds)
    print(f"median of {args.rounds} rounds, {args.cases} instances: dry run {dry:.1f} s, move {move:.1f} s "
          f"({args.cases / move:.0f} moves/s), dry run + move {total:.1f} s (target ≤ 60 s)")


if __name__ == "__main__":
    main()
