"""Inbound messages: deduplicated by key, routed by (name, correlation), stored until awaited."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Row, and_, or_, select, update
from sqlalchemy.orm import Session

from app.runtime.canonical import canonical_json, json_safe, sha256_hex
from app.runtime.projection import AwaitedMessage
from storage.db import insert_or_ignore
from storage.models import InboundMessage, Instance, WaitingMessage

PENDING, DELIVERED, REJECTED = "pending", "delivered", "rejected"
_messages = InboundMessage.__table__


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
    return session.connection().execute(
        insert_or_ignore(session, _messages, ["message_key"]).values(
            message_key=message_key, message_name=name, correlation=correlation,
            target_instance_id=target_instance_id, payload=json_safe(payload), status=PENDING, sender=sender,
            received_at=now, duplicates=0,
        ).returning(_messages.c.id)
    ).scalar_one_or_none()


def mark(session: Session, message_id: int, status: str, *, now: datetime, instance_id: int | None = None,
         error: str | None = None) -> None:
    values: dict[str, Any] = {"status": status, "error": error}
    if status == DELIVERED:
        values.update(delivered_to=instance_id, delivered_at=now)
    session.connection().execute(update(_messages).where(_messages.c.id == message_id).values(**values))


def route(session: Session, name: str, correlation: str) -> Row[Any] | None:
    """(instance_id, correlations) of the instance that has waited longest for this message."""
    return session.connection().execute(
        select(WaitingMessage.instance_id, WaitingMessage.correlations)
        .where(WaitingMessage.message_name == name, WaitingMessage.correlation == correlation)
        .order_by(WaitingMessage.id).limit(1)
    ).first()


def pending_for(session: Session, instance_id: int, awaited: list[AwaitedMessage]) -> Row[Any] | None:
    """The oldest stored message this instance now waits for, if any."""
    if not awaited:
        return None
    names = {m.message_name for m in awaited}
    routed = [and_(_messages.c.message_name == m.message_name, _messages.c.correlation == m.correlation)
              for m in awaited if m.correlation]
    targeted = and_(_messages.c.target_instance_id == instance_id, _messages.c.message_name.in_(names))
    return session.connection().execute(
        select(_messages.c.id, _messages.c.message_name, _messages.c.payload, _messages.c.message_key,
               _messages.c.sender)
        .where(_messages.c.status == PENDING, or_(targeted, *routed))
        .order_by(_messages.c.id).limit(1)
    ).first()


def store_children_results(session: Session, parent_id: int, done_message: str, now: datetime) -> None:
    """All children of a parent have ended: store their results as one message for the parent."""
    children = session.connection().execute(
        select(Instance.id, Instance.process_id, Instance.status, Instance.result)
        .where(Instance.parent_id == parent_id).order_by(Instance.id)
    ).all()
    payload = {"results": [
        {"instance_id": c.id, "process_id": c.process_id, "status": c.status, "result": c.result} for c in children
    ]}
    last_child = children[-1].id if children else 0
    store(session, name=done_message, correlation=None, payload=payload, sender="system:children",
          message_key=f"children-done:{parent_id}:{last_child}", now=now, target_instance_id=parent_id)
