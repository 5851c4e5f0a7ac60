"""Inbound messages: deduplicated by key, routed by (name, correlation), stored until awaited."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.runtime.canonical import canonical_json, json_safe, sha256_hex
from app.runtime.projection import AwaitedMessage
from storage.models import InboundMessage, Instance, WaitingMessage

PENDING, DELIVERED, REJECTED = "pending", "delivered", "rejected"


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
) -> InboundMessage | None:
    """Record a received message as pending; None if a message with this key already exists."""
    message = InboundMessage(
        message_key=message_key, message_name=name, correlation=correlation, target_instance_id=target_instance_id,
        payload=json_safe(payload), status=PENDING, sender=sender, received_at=now,
    )
    try:
        with session.begin_nested():
            session.add(message)
    except IntegrityError:
        return None
    return message


def route(session: Session, name: str, correlation: str) -> WaitingMessage | None:
    """The instance that has waited longest for this (name, correlation), if any."""
    return session.execute(
        select(WaitingMessage)
        .where(WaitingMessage.message_name == name, WaitingMessage.correlation == correlation)
        .order_by(WaitingMessage.id).limit(1)
    ).scalar_one_or_none()


def pending_for(session: Session, instance_id: int, awaited: list[AwaitedMessage]) -> list[InboundMessage]:
    """Stored messages this instance now waits for, oldest first."""
    if not awaited:
        return []
    names = {m.message_name for m in awaited}
    routed = [and_(InboundMessage.message_name == m.message_name, InboundMessage.correlation == m.correlation)
              for m in awaited if m.correlation]
    targeted = and_(InboundMessage.target_instance_id == instance_id, InboundMessage.message_name.in_(names))
    return list(session.execute(
        select(InboundMessage)
        .where(InboundMessage.status == PENDING, or_(targeted, *routed))
        .order_by(InboundMessage.id)
    ).scalars())


def store_children_results(session: Session, parent_id: int, done_message: str, now: datetime) -> None:
    """All children of a parent have ended: store their results as one message for the parent."""
    children = session.execute(
        select(Instance.id, Instance.process_id, Instance.status, Instance.result)
        .where(Instance.parent_id == parent_id).order_by(Instance.id)
    ).all()
    payload = {"results": [
        {"instance_id": c.id, "process_id": c.process_id, "status": c.status, "result": c.result} for c in children
    ]}
    last_child = children[-1].id if children else 0
    store(session, name=done_message, correlation=None, payload=payload, sender="system:children",
          message_key=f"children-done:{parent_id}:{last_child}", now=now, target_instance_id=parent_id)
