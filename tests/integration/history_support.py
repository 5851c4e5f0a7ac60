"""Reading the history back in the tests of issue 5's "complete history": one event, exactly; and a
payment recorded as billing records it, for tests that need the history to grow; and work committed
in the middle of a read, for the tests of reading the history while the system runs."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import event, select

from app.bootstrap import Services
from app.runtime.events.history import NewEvent, append
from storage.models import HistoryEvent


@dataclass(frozen=True)
class Seen:
    """An event as an auditor reads it (hash fields left out: ``test_history_chain`` covers them)."""

    stream: str
    type: str
    element_id: str | None
    actor: str
    at: datetime
    deployment_id: int | None
    data: dict[str, Any]


def events(services: Services, stream: str | None = None, kind: str | None = None) -> list[Seen]:
    """The events of ``stream`` (all streams when None), of type ``kind`` if given, in order."""
    query = select(HistoryEvent).order_by(HistoryEvent.stream, HistoryEvent.seq)
    if stream is not None:
        query = query.where(HistoryEvent.stream == stream)
    if kind is not None:
        query = query.where(HistoryEvent.type == kind)
    with services.db.reading() as session:
        return [Seen(e.stream, e.type, e.element_id, e.actor, e.at, e.deployment_id, dict(e.data))
                for e in session.execute(query).scalars()]


def the_event(services: Services, kind: str, stream: str | None = None) -> Seen:
    """The one event of type ``kind`` (in ``stream``); fails if there is none or more than one."""
    found = events(services, stream, kind)
    assert len(found) == 1, f"expected one {kind!r} event, found {len(found)}: {found}"
    return found[0]


def a_payment(services: Services, data: dict[str, Any], at: datetime | None = None) -> None:
    """One ``payment.received`` event on the ``payments`` stream (at ``at``, or now), committed."""
    with services.db.transaction() as session:
        append(session, "payments", [NewEvent("payment.received", None, data)], actor="billing",
               at=at or services.clock.now())


ONE_HEAD = "SELECT instances.history_seq, instances.history_hash"  # one instance's head, after its events


@contextmanager
def committed_before(services: Services, fragment: str, work: Callable[[], Any]) -> Iterator[list[str]]:
    """Run ``work`` (its own transactions, committed) once, just before the first statement whose SQL
    contains ``fragment`` is sent; the list it yields names the statement once the work ran."""
    ran: list[str] = []

    def before(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if not ran and fragment in statement:
            ran.append(statement)
            work()

    event.listen(services.db.engine, "before_cursor_execute", before)
    try:
        yield ran
    finally:
        event.remove(services.db.engine, "before_cursor_execute", before)
