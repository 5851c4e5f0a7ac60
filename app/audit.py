"""Checking the hash chains of the history (issue 5's ``relayflow audit verify``): every named
stream and every instance's stream is recomputed from its events, and the first broken link of
each is named. A stream whose head (the instance row, or ``history_streams``) disagrees with its
events — events deleted from its end, a head rewritten — is broken too.

Deleting an instance together with all of its events leaves no stream to check: the seals
(``app/seals.py``, the global chain anchored outside the database) catch that."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.runtime.history import instance_stream, verify_stream
from storage.models import HistoryEvent, HistoryStream, Instance


@dataclass
class AuditReport:
    streams: int = 0
    events: int = 0
    broken: dict[str, str] = field(default_factory=dict)  # stream → its first problem

    @property
    def intact(self) -> bool:
        return not self.broken


def streams_to_verify(session: Session, instance_id: int | None = None) -> list[str]:
    """One instance's stream, or every stream that has a head or an event (then the events of
    all of them are all the events there are)."""
    if instance_id is not None:
        return [instance_stream(instance_id)]
    named = set(session.execute(select(HistoryStream.name)).scalars())
    instances = {instance_stream(i) for i in session.execute(select(Instance.id)).scalars()}
    with_events = set(session.execute(select(HistoryEvent.stream).distinct()).scalars())
    return sorted(named | instances | with_events)


def audit(session: Session, streams: list[str], advance: Callable[[str], None] | None = None) -> AuditReport:
    """Verify ``streams`` (from ``streams_to_verify``); ``advance`` hears of each one done."""
    count = select(func.count(HistoryEvent.id))
    if len(streams) == 1:
        count = count.where(HistoryEvent.stream == streams[0])
    report = AuditReport(streams=len(streams), events=session.execute(count).scalar_one() if streams else 0)
    for stream in streams:
        problems = verify_stream(session, stream)
        if problems:
            report.broken[stream] = problems[0]
        if advance is not None:
            advance(stream)
    return report
