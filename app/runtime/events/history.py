"""The append-only, hash-chained history.

Each stream (one per instance, plus named streams such as ``deployments`` or ``users``) is a
chain: an event's hash covers its content and the previous event's hash, so an edit, a
deletion or a reordering breaks the chain. The stream's head row is locked while appending.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from app.runtime.canonical import canonical_json, json_safe, sha256_hex
from storage import history_store, instance_rows
from storage.history_store import CHAIN_COLUMNS as CHAIN_COLUMNS
from storage.history_store import GENESIS_HASH as GENESIS_HASH
from storage.history_store import INSTANCE_STREAM_PREFIX, HistoryRow
from storage.instance_rows import InstanceRow


@dataclass
class NewEvent:
    type: str
    element_id: str | None = None
    data: dict[str, Any] = field(default_factory=dict)
    actor: str | None = None


def instance_stream(instance_id: int) -> str:
    return f"{INSTANCE_STREAM_PREFIX}{instance_id}"


def writer_stream(stream: str, writer: str | None) -> str:
    """A busy machine stream as one writing process keeps it: ``<stream>/<writer>``, so that
    processes appending side by side (workers, web processes) never wait for one stream's head
    (issue 14); without a writer, the shared stream."""
    return f"{stream}/{writer}" if writer else stream


def event_hash(content: dict[str, Any]) -> str:
    """The chain hash of one event's content (which includes ``prev_hash``)."""
    return sha256_hex(canonical_json(content))


def hashed_content(row: Mapping[str, Any]) -> dict[str, Any]:
    """The fields an event's hash covers, from a row mapping."""
    at: datetime = row["at"]
    return {
        "stream": row["stream"], "seq": row["seq"], "instance_id": row["instance_id"], "type": row["type"],
        "element_id": row["element_id"], "actor": row["actor"], "deployment_id": row["deployment_id"],
        "at": at.isoformat(), "data": row["data"], "prev_hash": row["prev_hash"],
    }


def chain(
    events: list[NewEvent], *, stream: str, head: tuple[int, str], actor: str, at: datetime,
    instance_id: int | None, deployment_id: int | None,
) -> list[HistoryRow]:
    """The rows for ``events`` continuing a chain whose head is ``(seq, hash)``."""
    seq, prev = head
    rows = []
    for event in events:
        seq += 1
        row = HistoryRow(
            stream=stream, seq=seq, instance_id=instance_id, type=event.type, element_id=event.element_id,
            actor=event.actor or actor, deployment_id=deployment_id, at=at, data=json_safe(event.data),
            prev_hash=prev, hash="",  # hashed next, over everything above
        )
        row["hash"] = prev = event_hash(hashed_content(row))
        rows.append(row)
    return rows


def insert_rows(session: Session, rows: list[HistoryRow]) -> None:
    history_store.insert_events(session.connection(), rows)


def append(
    session: Session,
    stream: str,
    events: list[NewEvent],
    *,
    actor: str,
    at: datetime,
    instance_id: int | None = None,
    deployment_id: int | None = None,
) -> None:
    """Append events to a stream in this transaction, extending its hash chain.

    Instance streams keep their head on the (locked) instance row; named streams in
    ``history_streams``, whose row is locked here.
    """
    if not events:
        return
    if instance_id is not None and stream == instance_stream(instance_id):
        row = instance_rows.lock(session.connection(), instance_id)
        if row is None:
            raise LookupError(f"instance {instance_id} does not exist")
        append_to_instance(session, row, events, actor=actor, at=at, deployment_id=deployment_id)
        instance_rows.save_history_head(session.connection(), row)
        return
    rows = chain(events, stream=stream, head=history_store.lock_stream_head(session, stream), actor=actor, at=at,
                 instance_id=instance_id, deployment_id=deployment_id)
    insert_rows(session, rows)
    history_store.move_stream_head(session, stream, rows[-1]["seq"], rows[-1]["hash"])


def append_to_instance(session: Session, row: InstanceRow, events: list[NewEvent], *, actor: str, at: datetime,
                       deployment_id: int | None) -> None:
    """Append to the stream of a locked instance row; the caller saves the row (with its new head)."""
    rows = chain(events, stream=instance_stream(row.id), head=(row.history_seq, row.history_hash), actor=actor,
                 at=at, instance_id=row.id, deployment_id=deployment_id)
    if rows:
        insert_rows(session, rows)
        row.history_seq, row.history_hash = rows[-1]["seq"], rows[-1]["hash"]


def verify_stream(session: Session, stream: str) -> list[str]:
    """Re-compute a stream's chain; return the problems found (empty when intact)."""
    return check_chain(stream, history_store.chain_rows(session, stream), history_store.head(session, stream))


def check_chain(stream: str, rows: Iterable[Any], head: tuple[int, str] | None) -> list[str]:
    """The problems of one stream's events (rows of ``CHAIN_COLUMNS`` in ``seq`` order) against its
    head (None: the instance or stream row is gone)."""
    problems: list[str] = []
    prev, expected_seq = GENESIS_HASH, 1
    for event in rows:
        if event.seq != expected_seq:
            problems.append(f"{stream}: event {expected_seq} is missing (found {event.seq})")
        if event.prev_hash != prev:
            problems.append(f"{stream}#{event.seq}: previous-hash link broken")
        if event_hash(hashed_content(event._mapping)) != event.hash:
            problems.append(f"{stream}#{event.seq}: content does not match its hash")
        prev, expected_seq = event.hash, event.seq + 1
    if head is None and expected_seq > 1:
        problems.append(f"{stream}: {expected_seq - 1} events but no head (its instance or stream row is gone)")
    if head is not None and head != (expected_seq - 1, prev):
        problems.append(f"{stream}: chain ends at #{expected_seq - 1}, head says #{head[0]}")
    return problems


def all_heads(session: Session) -> dict[str, tuple[int, str]]:
    """Every stream's head: each instance's and each named stream's."""
    return history_store.all_heads(session)
