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

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from app.runtime.canonical import canonical_json, json_safe, sha256_hex
from storage import instance_rows
from storage import step_statements as statements
from storage.db import insert_or_ignore
from storage.instance_rows import InstanceRow
from storage.models import HistoryEvent, HistoryStream, Instance

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


def hashed_content(row: Mapping[str, Any]) -> dict[str, Any]:
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
    session.execute(insert_or_ignore(session, HistoryStream.__table__, ["name"])
                    .values(name=stream, last_seq=0, last_hash=GENESIS_HASH))
    return session.execute(
        select(HistoryStream).where(HistoryStream.name == stream).with_for_update()
    ).scalar_one()


def chain(
    events: list[NewEvent], *, stream: str, head: tuple[int, str], actor: str, at: datetime,
    instance_id: int | None, deployment_id: int | None,
) -> list[dict[str, Any]]:
    """The rows for ``events`` continuing a chain whose head is ``(seq, hash)``."""
    seq, prev = head
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
    return rows


def insert_rows(session: Session, rows: list[dict[str, Any]]) -> None:
    statements.insert_history(session.connection(), rows)


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
    head = _lock_head(session, stream)
    rows = chain(events, stream=stream, head=(head.last_seq, head.last_hash), actor=actor, at=at,
                 instance_id=instance_id, deployment_id=deployment_id)
    insert_rows(session, rows)
    session.execute(update(HistoryStream).where(HistoryStream.name == stream)
                    .values(last_seq=rows[-1]["seq"], last_hash=rows[-1]["hash"]))


def append_to_instance(session: Session, row: InstanceRow, events: list[NewEvent], *, actor: str, at: datetime,
                       deployment_id: int | None) -> None:
    """Append to the stream of a locked instance row; the caller saves the row (with its new head)."""
    rows = chain(events, stream=instance_stream(row.id), head=(row.history_seq, row.history_hash), actor=actor,
                 at=at, instance_id=row.id, deployment_id=deployment_id)
    if rows:
        insert_rows(session, rows)
        row.history_seq, row.history_hash = rows[-1]["seq"], rows[-1]["hash"]


def _head(session: Session, stream: str) -> tuple[int, str] | None:
    if stream.startswith("instance/"):
        found = session.execute(select(Instance.history_seq, Instance.history_hash)
                                .where(Instance.id == int(stream.removeprefix("instance/")))).first()
    else:
        found = session.execute(select(HistoryStream.last_seq, HistoryStream.last_hash)
                                .where(HistoryStream.name == stream)).first()
    return (found[0], found[1]) if found is not None else None


CHAIN_COLUMNS = (HistoryEvent.stream, HistoryEvent.seq, HistoryEvent.instance_id, HistoryEvent.type,
                 HistoryEvent.element_id, HistoryEvent.actor, HistoryEvent.deployment_id, HistoryEvent.at,
                 HistoryEvent.data, HistoryEvent.prev_hash, HistoryEvent.hash)


def verify_stream(session: Session, stream: str) -> list[str]:
    """Re-compute a stream's chain; return the problems found (empty when intact)."""
    rows = session.execute(select(*CHAIN_COLUMNS).where(HistoryEvent.stream == stream).order_by(HistoryEvent.seq))
    return check_chain(stream, rows, _head(session, stream))


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
    heads = {instance_stream(row.id): (row.history_seq, row.history_hash) for row in session.execute(
        select(Instance.id, Instance.history_seq, Instance.history_hash))}
    heads.update((row.name, (row.last_seq, row.last_hash)) for row in session.execute(
        select(HistoryStream.name, HistoryStream.last_seq, HistoryStream.last_hash)))
    return heads
