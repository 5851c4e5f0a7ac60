"""Reading the history for audits (``relayflow audit verify``, the case file): which streams have
events, how many, every event in chain order, one instance's events and its chain head. Appending
and a single stream's check are the runtime's (``app/runtime/events/history.py``)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import Row, func, select
from sqlalchemy.orm import Session

from storage.models import HistoryEvent, Instance

# The columns an event's chain hash is checked with (as the runtime's ``CHAIN_COLUMNS``).
ChainRow = Row[str, int, int | None, str, str | None, str, int | None, datetime, dict[str, Any], str, str]
_CHAIN = select(HistoryEvent.stream, HistoryEvent.seq, HistoryEvent.instance_id, HistoryEvent.type,
                HistoryEvent.element_id, HistoryEvent.actor, HistoryEvent.deployment_id, HistoryEvent.at,
                HistoryEvent.data, HistoryEvent.prev_hash, HistoryEvent.hash)


def streams_with_events(session: Session) -> set[str]:
    return set(session.execute(select(HistoryEvent.stream).distinct()).scalars())


def event_count(session: Session, stream: str) -> int:
    return session.execute(select(func.count(HistoryEvent.id)).where(HistoryEvent.stream == stream)).scalar_one()


def every_event_in_chain_order(session: Session, streams: tuple[str, str] | None = None) -> Iterable[ChainRow]:
    """Every event by (stream, seq) — of the streams from ``streams[0]`` to ``streams[1]`` when given
    (one process's share of a parallel check) — streamed in batches (the history is not held at once)."""
    query = _CHAIN
    if streams is not None:
        query = query.where(HistoryEvent.stream >= streams[0], HistoryEvent.stream <= streams[1])
    return session.execute(query.order_by(HistoryEvent.stream, HistoryEvent.seq).execution_options(yield_per=5000))


def stream_events(session: Session, stream: str) -> Iterable[HistoryEvent]:
    """A stream's events, in order."""
    return session.execute(select(HistoryEvent).where(HistoryEvent.stream == stream)
                           .order_by(HistoryEvent.seq)).scalars()


def instance_head(session: Session, instance_id: int) -> tuple[int, str]:
    """(seq, hash) of the last event of an instance's stream, as its row holds it."""
    seq, digest = session.execute(select(Instance.history_seq, Instance.history_hash)
                                  .where(Instance.id == instance_id)).one()
    return seq, digest
