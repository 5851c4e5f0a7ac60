"""History seals (``history_seals``) and the event ranges they digest (repository functions that
take a Session; the sealing and checking live in ``app/audit/seals.py``)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import NamedTuple

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from storage.models import HistoryEvent, HistorySeal


class SealedEvent(NamedTuple):
    """What a seal digests of one event."""

    id: int
    stream: str
    seq: int
    hash: str
    at: datetime


_EVENTS = select(HistoryEvent.id, HistoryEvent.stream, HistoryEvent.seq, HistoryEvent.hash, HistoryEvent.at)


def last_event_id(session: Session) -> int:
    """The highest history event id (0: no event yet)."""
    return session.execute(select(func.max(HistoryEvent.id))).scalar() or 0


def last_seal(session: Session) -> HistorySeal | None:
    return session.execute(select(HistorySeal).order_by(HistorySeal.n.desc()).limit(1)).scalar_one_or_none()


def events_between(session: Session, after: int, through: int, *, limit: int | None = None) -> list[SealedEvent]:
    """The events with ids in (after, through], by id; the first ``limit`` of them when given."""
    query = _EVENTS.where(HistoryEvent.id > after, HistoryEvent.id <= through).order_by(HistoryEvent.id)
    if limit is not None:
        query = query.limit(limit)
    return [SealedEvent._make(row) for row in session.execute(query)]


def add(session: Session, seal: HistorySeal) -> None:
    """Store a new seal (a racing sealer's seal of the same number fails at commit: IntegrityError)."""
    session.add(seal)


def seals(session: Session, *, after: int | None = None) -> Sequence[HistorySeal]:
    """Every seal (numbered above ``after`` when given), in order."""
    query = select(HistorySeal).order_by(HistorySeal.n)
    if after is not None:
        query = query.where(HistorySeal.n > after)
    return session.execute(query).scalars().all()


def events_after(session: Session, after: int) -> int:
    """How many events have an id above ``after`` (after the last seal: the unsealed ones)."""
    return session.execute(select(func.count(HistoryEvent.id)).where(HistoryEvent.id > after)).scalar_one()


def covering_seal(session: Session, stream: str) -> HistorySeal | None:
    """The seal holding ``stream``'s last sealed event (its ``heads`` name that event), if any."""
    sealed_through = session.execute(select(func.max(HistorySeal.through_event_id))).scalar()
    if sealed_through is None:
        return None
    event_id = session.execute(select(func.max(HistoryEvent.id)).where(
        HistoryEvent.stream == stream, HistoryEvent.id <= sealed_through)).scalar()
    if event_id is None:
        return None
    return session.execute(select(HistorySeal).where(HistorySeal.after_event_id < event_id,
                                                     HistorySeal.through_event_id >= event_id)).scalar_one_or_none()
