"""Child instances: one row and one small state per child; the parent waits for all of them."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

import time_machine
from sqlalchemy import event, func, select

from app.bootstrap import Services
from storage.models import ChildBatch, HistoryEvent, Instance
from tests.conftest import EXECUTOR, SYSADMIN, deploy
from tests.lookups import instance_row as parent_row


@contextmanager
def counted_statements(services: Services) -> Iterator[list[str]]:
    statements: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements.append(statement)

    event.listen(services.db.engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(services.db.engine, "before_cursor_execute", count)


def open_count(services: Services, parent_id: int) -> int:
    with services.db.reading() as session:
        return int(session.execute(select(func.sum(ChildBatch.open_count)).where(
            ChildBatch.parent_id == parent_id)).scalar_one())


def start_batch(services: Services, count: int) -> int:
    deploy(services, "batch.bpmn", "batch_item.bpmn")
    return services.runtime.start("batch", {"count": count}, EXECUTOR)


def test_a_parent_with_200_children_gets_all_results_in_order(
    services: Services, clock: time_machine.Coordinates
) -> None:
    parent_id = start_batch(services, 200)
    with services.db.reading() as session:
        children = session.execute(select(Instance).where(Instance.parent_id == parent_id)
                                   .order_by(Instance.id)).scalars().all()
    assert len(children) == 200
    assert {c.status for c in children} == {"running"}  # each started, each waiting on its own timer
    assert [c.start_data for c in children[:3]] == [{"n": 0}, {"n": 1}, {"n": 2}]
    assert max(len(c.state or "") for c in children) < 20_000  # small states: the list stays in the parent
    assert open_count(services, parent_id) == 200

    clock.shift(timedelta(hours=1, seconds=1))
    assert services.runtime.wake_due(limit=500) == 200
    assert services.runtime.recover() == 1  # the worker's tick (wake, then recover) wakes the parent

    parent = parent_row(services, parent_id)
    assert parent.status == "completed"
    assert parent.result == {"total": sum(2 * n for n in range(200)), "count": 200}
    assert open_count(services, parent_id) == 0


def test_one_childs_end_costs_the_parent_the_same_whatever_the_batch_size(
    services: Services, clock: time_machine.Coordinates
) -> None:
    small = start_batch(services, 3)
    large = services.runtime.start("batch", {"count": 60}, EXECUTOR)
    small_state, large_state = parent_row(services, small).state, parent_row(services, large).state
    clock.shift(timedelta(hours=1, seconds=1))

    with counted_statements(services) as first_small:
        assert services.runtime.wake_due(limit=1) == 1  # the oldest due child: one of the small batch
    services.runtime.wake_due(limit=3)  # the rest of the small batch, first of the large one
    with counted_statements(services) as one_large:
        assert services.runtime.wake_due(limit=1) == 1

    assert len(one_large) == len(first_small)
    assert parent_row(services, large).state == large_state  # the parent was not loaded nor rewritten
    assert open_count(services, large) == 60 - 2
    assert parent_row(services, small).state == small_state  # its last child left it a message, no more
    assert services.runtime.recover() == 1  # the worker's tick delivers it
    assert parent_row(services, small).state != small_state


def test_the_last_childs_end_costs_what_any_other_childs_does(
    services: Services, clock: time_machine.Coordinates
) -> None:
    """Issue 14 item 9: the last child leaves the parent a message naming the batch; the results
    are gathered when the worker's tick delivers it, so the last child's step neither reads the
    batch nor steps the parent."""
    parent_id = start_batch(services, 40)
    state = parent_row(services, parent_id).state
    clock.shift(timedelta(hours=1, seconds=1))
    services.runtime.wake_due(limit=38)
    with counted_statements(services) as middle:
        assert services.runtime.wake_due(limit=1) == 1
    with counted_statements(services) as last:
        assert services.runtime.wake_due(limit=1) == 1

    assert open_count(services, parent_id) == 0
    assert len(last) == len(middle) + 1  # the parent's message
    assert parent_row(services, parent_id).state == state
    assert services.runtime.recover() == 1
    assert parent_row(services, parent_id).result == {"total": sum(2 * n for n in range(40)), "count": 40}


def test_a_batch_of_zero_children_continues_at_once(services: Services) -> None:
    parent_id = start_batch(services, 0)
    assert parent_row(services, parent_id).result == {"total": 0, "count": 0}


def test_terminating_the_parent_terminates_its_running_children(services: Services) -> None:
    parent_id = start_batch(services, 3)
    services.runtime.terminate(parent_id, "batch withdrawn by the applicant", SYSADMIN)
    with services.db.reading() as session:
        statuses = session.execute(select(Instance.status, func.count()).group_by(Instance.status)).all()
        reasons = set(session.execute(select(Instance.status_reason).where(Instance.parent_id == parent_id)).scalars())
        terminated = session.execute(select(func.count()).where(
            HistoryEvent.type == "instance.terminated")).scalar_one()
    assert dict(statuses) == {"terminated": 4}
    assert reasons == {"parent terminated: batch withdrawn by the applicant"}
    assert terminated == 4
