"""Checking the hash chains of the history (issue 5's ``relayflow audit verify``): every named
stream and every instance's stream is recomputed from its events, and the first broken link of
each is named. A stream whose head (the instance row, or ``history_streams``) disagrees with its
events — events deleted from its end, a head rewritten — is broken too.

Deleting an instance together with all of its events leaves no stream to check: the seals
(``app/audit/seals.py``, the global chain anchored outside the database) catch that."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from itertools import groupby
from typing import Any

from sqlalchemy.orm import Session

from app.runtime.events.history import all_heads, check_chain, instance_stream, verify_stream
from storage import history_audit


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
    with_events = history_audit.streams_with_events(session)
    return sorted(set(all_heads(session)) | with_events)


def audit(session: Session, streams: list[str], advance: Callable[[str], None] | None = None) -> AuditReport:
    """Verify ``streams`` (from ``streams_to_verify``); ``advance`` hears of each one done. One
    stream is read on its own; more are read in one pass over the events in (stream, seq) order."""
    if len(streams) == 1:
        report = AuditReport(streams=1, events=history_audit.event_count(session, streams[0]))
        _note(report, streams[0], verify_stream(session, streams[0]), advance)
        return report
    report = AuditReport(streams=len(streams))
    heads, wanted = all_heads(session), set(streams)
    rows = history_audit.every_event_in_chain_order(session, (min(streams), max(streams)) if streams else None)
    seen = set()
    for stream, events in groupby(rows, key=lambda row: row.stream):
        if stream not in wanted:
            continue
        counted = _counting(events, report)
        _note(report, stream, check_chain(stream, counted, heads.get(stream)), advance)
        seen.add(stream)
    for stream in sorted(wanted - seen):  # a head with no event left
        _note(report, stream, check_chain(stream, [], heads.get(stream)), advance)
    return report


def _counting(events: Iterable[Any], report: AuditReport) -> Iterator[Any]:
    for event in events:
        report.events += 1
        yield event


def _note(report: AuditReport, stream: str, problems: list[str], advance: Callable[[str], None] | None) -> None:
    if problems:
        report.broken[stream] = problems[0]
    if advance is not None:
        advance(stream)
