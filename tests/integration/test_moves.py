"""Issue 12 item 7 on SQLite and PostgreSQL: a running reconnection moved from version 1 to 2 in
its own transaction follows version 2 (4 sends, 45 min apart: the analyst's M5.2 policy) and still
replays as verified; a refused move leaves the instance, its state and its history as they were."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from app.audit.replay import Replayer
from app.runtime.steps.moving import Mover
from app.usecases.reconnections import run_patrol
from storage.models import HistoryEvent, Instance
from tests.utility import DEPLOYER, Utility, backend_utility, seed_customer
from tests.workflow.test_move import REASON, SYSADMIN, edited_reconnect, instance_of
from tests.workflow.test_reconnect import commands

__all__ = ["backend_utility"]


def saved(u: Utility, instance_id: int) -> tuple[int, str | None, int]:
    with u.services.db.reading() as session:
        row = session.get(Instance, instance_id)
        assert row is not None
        events = session.execute(select(func.count(HistoryEvent.id)).where(
            HistoryEvent.instance_id == instance_id)).scalar_one()
        return row.process_version_id, row.state, int(events)


def test_a_moved_case_sends_four_times_and_replays(backend_utility: Utility) -> None:
    u = backend_utility
    for number, behaviour in (("3400000001", "never"), ("3400000002", "fails")):
        seed_customer(u.services, number)
        u.headend.set_behaviour(u.customer(number).meter_address, behaviour)
    run_patrol(u.services.runtime)
    u.advance(timedelta(minutes=5))
    u.services.deploy_files({"reconnect.bpmn": edited_reconnect()}, DEPLOYER)
    moved, refused = instance_of(u, "3400000001"), instance_of(u, "3400000002")
    before = saved(u, refused)

    outcomes = Mover(u.services.runtime).move("reconnect", 1, 2, [moved, refused], REASON, SYSADMIN)

    assert [(o.instance_id, o.moved) for o in outcomes] == [(moved, True), (refused, False)]
    assert saved(u, refused) == before  # its transaction rolled back: nothing of the attempt is kept
    u.advance(timedelta(hours=5))
    assert len(commands(u, "3400000001")) == 4
    replayer = Replayer(u.services.db, u.services.runtime)
    summary = replayer.replay_many(replayer.instances_since(None))
    assert summary.cases == 2 and not summary.diverged, [r.summary() for r in summary.diverged]
