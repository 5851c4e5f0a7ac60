"""Inbound messages: deduplicated by key, routed by (name, correlation), stored until awaited."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Row, select
from sqlalchemy.orm import Session

from app.runtime.canonical import canonical_json, json_safe, sha256_hex
from app.runtime.engine.projection import AwaitedMessage
from storage import step_statements as statements
from storage.models import InboundMessage, Instance
from storage.statuses import MessageStatus


def derive_message_key(name: str, correlation: str, payload: dict[str, Any]) -> str:
    """A key for senders that give none: the same message content is the same message."""
    return "sha256:" + sha256_hex(canonical_json([name, correlation, payload]))


def find_by_key(session: Session, message_key: str) -> InboundMessage | None:
    return session.execute(
        select(InboundMessage).where(InboundMessage.message_key == message_key)
    ).scalar_one_or_none()


def store(
    session: Session, *, name: str, correlation: str | None, payload: dict[str, Any], sender: str,
    message_key: str, now: datetime, target_instance_id: int | None = None,
) -> int | None:
    """Record a received message as pending; None if a message with this key already exists."""
    return statements.store_message(session.connection(), {
        "message_key": message_key, "message_name": name, "correlation": correlation,
        "target_instance_id": target_instance_id, "payload": json_safe(payload), "status": MessageStatus.PENDING,
        "sender": sender, "received_at": now, "duplicates": 0,
    })


def route(session: Session, name: str, correlation: str) -> Row[Any] | None:
    """(instance_id, correlations) of the instance that has waited longest for this message."""
    return statements.route(session.connection(), name, correlation)


def pending_for(session: Session, instance_id: int, awaited: list[AwaitedMessage]) -> Row[Any] | None:
    """The oldest stored message this instance now waits for, if any."""
    return statements.pending(session.connection(), instance_id,
                              [(m.message_name, m.correlation) for m in awaited])


def mark_delivered(session: Session, message_id: int, instance_id: int, now: datetime) -> None:
    statements.mark_delivered(session.connection(), message_id, instance_id, now)


def mark_rejected(session: Session, message_id: int, error: str) -> None:
    statements.mark_rejected(session.connection(), message_id, error)


def store_children_results(session: Session, batch_id: int, parent_id: int, done_message: str,
                           now: datetime) -> None:
    """Every child of a batch has ended: store their results, in start order, for the parent."""
    children = session.connection().execute(
        select(Instance.id, Instance.process_id, Instance.status, Instance.result, Instance.start_data)
        .where(Instance.batch_id == batch_id).order_by(Instance.id)
    ).all()
    payload = {"batch_id": batch_id, "results": [
        {"instance_id": c.id, "process_id": c.process_id, "status": c.status, "result": c.result,
         "data": c.start_data} for c in children
    ]}
    store(session, name=done_message, correlation=None, payload=payload, sender="system:children",
          message_key=f"children-done:{batch_id}", now=now, target_instance_id=parent_id)
