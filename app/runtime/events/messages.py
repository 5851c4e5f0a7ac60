"""Inbound messages: deduplicated by key, routed by (name, correlation), stored until awaited."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from app.runtime import batches
from app.runtime.canonical import canonical_json, json_safe, sha256_hex
from app.runtime.engine.projection import AwaitedMessage
from storage import message_rows
from storage.message_rows import KnownMessage, PendingMessage, Route
from storage.statuses import MessageStatus

CHILDREN = "system:children"  # the sender of a batch's "all children ended" message


def derive_message_key(name: str, correlation: str, payload: dict[str, Any]) -> str:
    """A key for senders that give none: the same message content is the same message."""
    return "sha256:" + sha256_hex(canonical_json([name, correlation, payload]))


def find_by_key(session: Session, message_key: str) -> KnownMessage | None:
    return message_rows.by_key(session.connection(), message_key)


def store(
    session: Session, *, name: str, correlation: str | None, payload: dict[str, Any], sender: str,
    message_key: str, now: datetime, target_instance_id: int | None = None,
) -> int | None:
    """Record a received message as pending; None if a message with this key already exists."""
    return message_rows.store(session.connection(), {
        "message_key": message_key, "message_name": name, "correlation": correlation,
        "target_instance_id": target_instance_id, "payload": json_safe(payload), "status": MessageStatus.PENDING.value,
        "sender": sender, "received_at": now, "duplicates": 0,
    })


def route(session: Session, name: str, correlation: str) -> Route | None:
    """The instance that has waited longest for this message, with its correlations."""
    return message_rows.route(session.connection(), name, correlation)


def pending_for(session: Session, instance_id: int, awaited: list[AwaitedMessage]) -> PendingMessage | None:
    """The oldest stored message this instance now waits for, if any."""
    return message_rows.pending(session.connection(), instance_id,
                                [(m.message_name, m.correlation) for m in awaited])


def mark_delivered(session: Session, message_id: int, instance_id: int, now: datetime) -> None:
    message_rows.mark_delivered(session.connection(), message_id, instance_id, now)


def mark_rejected(session: Session, message_id: int, error: str) -> None:
    message_rows.mark_rejected(session.connection(), message_id, error)


def count_duplicate(session: Session, message_id: int) -> None:
    message_rows.count_duplicate(session.connection(), message_id)


def store_children_done(session: Session, batch_id: int, parent_id: int, done_message: str, now: datetime) -> None:
    """Every child of a batch has ended: tell the parent, at a cost that does not grow with the batch.
    The message names the batch; its children's results are gathered when it is delivered
    (``payload_of``), by the step that wakes the parent, not by the last child's (issue 14 item 9)."""
    store(session, name=done_message, correlation=None, payload={"batch_id": batch_id}, sender=CHILDREN,
          message_key=f"children-done:{batch_id}", now=now, target_instance_id=parent_id)


def payload_of(session: Session, message: PendingMessage) -> dict[str, Any]:
    """A stored message's payload as its instance receives it: a batch's end comes with every
    child's result in start order, or with its size and a count per status (``batches.done_payload``);
    a message stored before issue 14 carries its results already."""
    if message.sender != CHILDREN or "results" in message.payload:
        return message.payload
    return batches.done_payload(session, int(message.payload["batch_id"]))
