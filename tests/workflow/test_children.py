"""Child instances: one row and one small state per child; the parent waits for all of them."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

import pytest
import time_machine
from sqlalchemy import event, func, select

from app.bootstrap import Services
from app.runtime.batches import results_for_parent
from app.runtime.errors import NotFound
from storage.models import ChildBatch, HistoryEvent, Instance
from tests.conftest import EXECUTOR, SYSADMIN, deploy
from tests.doubles import TestHandlers
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


def start_batch_by_id(services: Services, count: int) -> int:
    deploy(services, "batch_by_id.bpmn", "batch_item.bpmn")
    return services.runtime.start("batch_by_id", {"count": count}, EXECUTOR)


def received(services: Services, instance_id: int) -> dict[str, Any]:
    with services.db.reading() as session:
        data: dict[str, Any] = session.execute(select(HistoryEvent.data).where(
            HistoryEvent.instance_id == instance_id, HistoryEvent.type == "message.received")).scalar_one()
    return data


def test_a_parent_told_only_its_batch_id_reads_every_result_by_it(
    services: Services, handlers: TestHandlers, clock: time_machine.Coordinates
) -> None:
    """Issue 14 item 9: with ``with_results=False`` the parent's message (and so its state and its
    recorded history) names the batch and counts its children; a handler reads the results by id."""
    parent_id = start_batch_by_id(services, 200)
    clock.shift(timedelta(hours=1, seconds=1))
    assert services.runtime.wake_due(limit=500) == 200
    assert services.runtime.recover() == 1

    parent = parent_row(services, parent_id)
    batch_id = parent.result["told"]["batch_id"]
    assert parent.status == "completed"
    assert parent.result == {"total": sum(2 * n for n in range(200)), "count": 200,
                             "told": {"batch_id": batch_id, "size": 200, "statuses": {"completed": 200}}}
    assert received(services, parent_id)["payload"] == parent.result["told"]  # what replay feeds it
    assert handlers.calls == [("test.sum_batch", {"batch_id": batch_id})]


def test_a_parent_told_only_its_batch_id_holds_as_much_for_3_children_as_for_120(
    services: Services, clock: time_machine.Coordinates
) -> None:
    with_results = start_batch(services, 120)
    small, large = start_batch_by_id(services, 3), services.runtime.start("batch_by_id", {"count": 120}, EXECUTOR)
    clock.shift(timedelta(hours=1, seconds=1))
    services.runtime.wake_due(limit=500)
    assert services.runtime.recover() == 3

    def state_chars(instance_id: int) -> int:
        row = parent_row(services, instance_id)
        assert row.status == "completed"
        return len(row.state or "")

    assert abs(state_chars(large) - state_chars(small)) < 100  # the 120 results are in no parent's state
    assert state_chars(with_results) > state_chars(large) + 120 * 50  # where the message carries them
    assert len(str(received(services, large))) - len(str(received(services, small))) < 10


def test_a_batch_is_read_only_by_the_parent_that_started_it(services: Services) -> None:
    first, second = start_batch_by_id(services, 2), services.runtime.start("batch_by_id", {"count": 2}, EXECUTOR)
    with services.db.reading() as session:
        first_batch = session.execute(select(ChildBatch.id).where(ChildBatch.parent_id == first)).scalar_one()
        assert [c["data"] for c in results_for_parent(session, first_batch, first)] == [{"n": 0}, {"n": 1}]
        for batch_id, parent in ((first_batch, second), (first_batch + 100, first), ("1", first), (True, first)):
            with pytest.raises(NotFound):
                results_for_parent(session, batch_id, parent)


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
