"""The history's rows: events appended to hash chains, and the heads the chains end at.

An instance's chain keeps its head on the instance row (``instance_rows``); a named stream's in
``history_streams``, locked while appending. The chain itself (hashing, checking) is the
runtime's (``app.runtime.events.history``); this module only reads and writes the rows. Reads go
through the session, so that what the caller added to it is flushed first.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any, TypedDict

from sqlalchemy import Connection, Row, Table, bindparam, insert, select, update
from sqlalchemy.orm import Session

from storage.db import insert_or_ignore
from storage.models import HistoryEvent, HistoryStream, HistorySubject, Instance

GENESIS_HASH = "0" * 64
# The columns an event's hash covers, and its hash: what a chain check reads.
CHAIN_COLUMNS = (HistoryEvent.stream, HistoryEvent.seq, HistoryEvent.instance_id, HistoryEvent.type,
                 HistoryEvent.element_id, HistoryEvent.actor, HistoryEvent.deployment_id, HistoryEvent.at,
                 HistoryEvent.data, HistoryEvent.prev_hash, HistoryEvent.hash)
INSTANCE_STREAM_PREFIX = "instance/"
# The stream whose events' subjects are indexed (``history_subjects``), and the data keys that name them.
SUBJECT_STREAM, SUBJECT_KEYS, MAX_SUBJECT = "archive", ("customer", "segment"), 64



class HistoryRow(TypedDict):
    """One event of a chain, as stored: its content, the previous event's hash and its own."""

    stream: str
    seq: int
    instance_id: int | None
    type: str
    element_id: str | None
    actor: str
    deployment_id: int | None
    at: datetime
    data: dict[str, Any]
    prev_hash: str
    hash: str


_streams: Table = HistoryStream.__table__  # type: ignore[assignment]
_instances: Table = Instance.__table__  # type: ignore[assignment]
_INSERT_EVENTS = insert(HistoryEvent)
_INSERT_SUBJECTS = insert(HistorySubject)
_STREAM_HEAD = select(_streams.c.last_seq, _streams.c.last_hash).where(_streams.c.name == bindparam("b_name"))
_LOCK_STREAM = _STREAM_HEAD.with_for_update()
_MOVE_STREAM_HEAD = update(_streams).where(_streams.c.name == bindparam("b_name")).values(
    last_seq=bindparam("b_seq"), last_hash=bindparam("b_hash"))
_INSTANCE_HEAD = select(_instances.c.history_seq, _instances.c.history_hash).where(_instances.c.id == bindparam("b_id"))
_CHAIN = select(*CHAIN_COLUMNS).where(HistoryEvent.stream == bindparam("b_stream")).order_by(HistoryEvent.seq)


def insert_events(conn: Connection, rows: Sequence[HistoryRow]) -> None:
    """The events, and in the same transaction whom the ``archive`` ones are about."""
    if rows:
        conn.execute(_INSERT_EVENTS, list(rows))
        subjects = [subject for row in rows if row["stream"] == SUBJECT_STREAM for subject in subjects_of(row)]
        if subjects:
            conn.execute(_INSERT_SUBJECTS, subjects)


def subjects_of(row: HistoryRow) -> list[dict[str, Any]]:
    """``history_subjects`` rows for one event: each subject key its data names with a short text."""
    return [{"key": key, "value": value, "stream": row["stream"], "seq": row["seq"]}
            for key in SUBJECT_KEYS
            if isinstance(value := row["data"].get(key), str) and 0 < len(value) <= MAX_SUBJECT]


def lock_stream_head(session: Session, stream: str) -> tuple[int, str]:
    """Lock a named stream's head (seq, hash) for this transaction, creating the stream if it is new."""
    found = session.execute(_LOCK_STREAM, {"b_name": stream}).first()
    if found is None:
        session.execute(insert_or_ignore(session, _streams, ["name"])
                        .values(name=stream, last_seq=0, last_hash=GENESIS_HASH))
        found = session.execute(_LOCK_STREAM, {"b_name": stream}).one()
    return found.last_seq, found.last_hash


def move_stream_head(session: Session, stream: str, seq: int, hash_: str) -> None:
    session.execute(_MOVE_STREAM_HEAD, {"b_name": stream, "b_seq": seq, "b_hash": hash_})


def head(session: Session, stream: str) -> tuple[int, str] | None:
    """Where a stream's chain ends, by its instance row or its stream row (None: that row is gone)."""
    if stream.startswith(INSTANCE_STREAM_PREFIX):
        found = session.execute(_INSTANCE_HEAD, {"b_id": int(stream.removeprefix(INSTANCE_STREAM_PREFIX))}).first()
    else:
        found = session.execute(_STREAM_HEAD, {"b_name": stream}).first()
    return (found[0], found[1]) if found is not None else None


def chain_rows(session: Session, stream: str) -> Iterable[Row[Any]]:
    """A stream's events (``CHAIN_COLUMNS``) in ``seq`` order."""
    return session.execute(_CHAIN, {"b_stream": stream})


def all_heads(session: Session) -> dict[str, tuple[int, str]]:
    """Every stream's head: each instance's and each named stream's."""
    heads = {f"{INSTANCE_STREAM_PREFIX}{row.id}": (row.history_seq, row.history_hash) for row in session.execute(
        select(Instance.id, Instance.history_seq, Instance.history_hash))}
    heads.update((row.name, (row.last_seq, row.last_hash)) for row in session.execute(
        select(HistoryStream.name, HistoryStream.last_seq, HistoryStream.last_hash)))
    return heads
