"""The append-only, hash-chained history.

Each stream (one per instance, plus named streams such as ``deployments`` or ``users``) is a
chain: an event's hash covers its content and the previous event's hash, so an edit, a
deletion or a reordering breaks the chain. The stream's head row is locked while appending.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from app.runtime.canonical import canonical_json, json_safe, sha256_hex
from storage.models import HistoryEvent, HistoryStream

GENESIS_HASH = "0" * 64


@dataclass
class NewEvent:
    type: str
    element_id: str | None = None
    data: dict[str, Any] = field(default_factory=dict)
    actor: str | None = None


def instance_stream(instance_id: int) -> str:
    return f"instance/{instance_id}"


def event_hash(content: dict[str, Any]) -> str:
    """The chain hash of one event's content (which includes ``prev_hash``)."""
    return sha256_hex(canonical_json(content))


def hashed_content(row: dict[str, Any]) -> dict[str, Any]:
    """The fields an event's hash covers, from a row mapping."""
    at: datetime = row["at"]
    return {
        "stream": row["stream"], "seq": row["seq"], "instance_id": row["instance_id"], "type": row["type"],
        "element_id": row["element_id"], "actor": row["actor"], "deployment_id": row["deployment_id"],
        "at": at.isoformat(), "data": row["data"], "prev_hash": row["prev_hash"],
    }


def _lock_head(session: Session, stream: str) -> HistoryStream:
    head = session.execute(
        select(HistoryStream).where(HistoryStream.name == stream).with_for_update()
    ).scalar_one_or_none()
    if head is not None:
        return head
    dialect_insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    session.execute(
        dialect_insert(HistoryStream)
        .values(name=stream, last_seq=0, last_hash=GENESIS_HASH)
        .on_conflict_do_nothing(index_elements=["name"])
    )
    return session.execute(
        select(HistoryStream).where(HistoryStream.name == stream).with_for_update()
    ).scalar_one()


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
    """Append events to a stream in this transaction, extending its hash chain."""
    if not events:
        return
    head = _lock_head(session, stream)
    seq, prev = head.last_seq, head.last_hash
    rows = []
    for event in events:
        seq += 1
        row = {
            "stream": stream, "seq": seq, "instance_id": instance_id, "type": event.type,
            "element_id": event.element_id, "actor": event.actor or actor, "deployment_id": deployment_id,
            "at": at, "data": json_safe(event.data), "prev_hash": prev,
        }
        row["hash"] = prev = event_hash(hashed_content(row))
        rows.append(row)
    session.execute(insert(HistoryEvent), rows)
    session.execute(
        update(HistoryStream).where(HistoryStream.name == stream).values(last_seq=seq, last_hash=prev)
    )


def verify_stream(session: Session, stream: str) -> list[str]:
    """Re-compute a stream's chain; return the problems found (empty when intact)."""
    problems: list[str] = []
    prev, expected_seq = GENESIS_HASH, 1
    rows = session.execute(
        select(HistoryEvent).where(HistoryEvent.stream == stream).order_by(HistoryEvent.seq)
    ).scalars()
    for event in rows:
        row = {c: getattr(event, c) for c in ("stream", "seq", "instance_id", "type", "element_id", "actor",
                                              "deployment_id", "at", "data", "prev_hash")}
        if event.seq != expected_seq:
            problems.append(f"{stream}: event {expected_seq} is missing (found {event.seq})")
        if event.prev_hash != prev:
            problems.append(f"{stream}#{event.seq}: previous-hash link broken")
        if event_hash(hashed_content(row)) != event.hash:
            problems.append(f"{stream}#{event.seq}: content does not match its hash")
        prev, expected_seq = event.hash, event.seq + 1
    head = session.get(HistoryStream, stream)
    if head is not None and (head.last_seq != expected_seq - 1 or head.last_hash != prev):
        problems.append(f"{stream}: chain ends at #{expected_seq - 1}, head says #{head.last_seq}")
    return problems
