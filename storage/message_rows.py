"""Inbound messages on the step's path: stored once by key, routed by (name, correlation) through
``waiting_messages``, and marked delivered or rejected. Statements are built once, bound per call."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypedDict

from sqlalchemy import Connection, Table, and_, bindparam, or_, select, update

from storage.db import insert_or_ignore_by_dialect
from storage.models import InboundMessage, Instance, WaitingMessage
from storage.statuses import InstanceStatus, MessageStatus

_messages: Table = InboundMessage.__table__  # type: ignore[assignment]
_waiting: Table = WaitingMessage.__table__  # type: ignore[assignment]
_instances: Table = Instance.__table__  # type: ignore[assignment]


class NewMessage(TypedDict):
    """A message as received: pending until an instance takes it."""

    message_key: str
    message_name: str
    correlation: str | None
    target_instance_id: int | None
    payload: dict[str, Any]
    status: str
    sender: str
    received_at: datetime
    duplicates: int


@dataclass(frozen=True)
class Route:
    """The instance that has waited longest for a message, and the correlations it waits with."""

    instance_id: int
    correlations: dict[str, Any]


@dataclass(frozen=True)
class PendingMessage:
    """A stored message not yet delivered."""

    id: int
    message_name: str
    correlation: str | None
    target_instance_id: int | None
    payload: dict[str, Any]
    message_key: str
    sender: str


@dataclass(frozen=True)
class KnownMessage:
    """A message already received under some key (for telling a duplicate apart)."""

    id: int
    message_name: str
    message_key: str
    received_at: datetime
    delivered_to: int | None


_ROUTE = (
    select(_waiting.c.instance_id, _waiting.c.correlations)
    .where(_waiting.c.message_name == bindparam("name"), _waiting.c.correlation == bindparam("correlation"))
    .order_by(_waiting.c.id).limit(1)
)
_PENDING = (
    select(_messages.c.id, _messages.c.message_name, _messages.c.correlation, _messages.c.target_instance_id,
           _messages.c.payload, _messages.c.message_key, _messages.c.sender)
    .where(_messages.c.status == MessageStatus.PENDING.value,
           _messages.c.message_name.in_(bindparam("names", expanding=True)),
           or_(_messages.c.correlation.in_(bindparam("correlations", expanding=True)),
               _messages.c.target_instance_id == bindparam("instance_id")))
    .order_by(_messages.c.id).limit(50)
)
_STORE = {dialect: statement.returning(_messages.c.id)
          for dialect, statement in insert_or_ignore_by_dialect(_messages, ["message_key"]).items()}
_MARK_DELIVERED = update(_messages).where(_messages.c.id == bindparam("b_message_id")).values(
    status=MessageStatus.DELIVERED.value, delivered_to=bindparam("b_instance_id"), delivered_at=bindparam("b_at"))
_MARK_REJECTED = update(_messages).where(_messages.c.id == bindparam("b_message_id")).values(
    status=MessageStatus.REJECTED.value, error=bindparam("b_error"))
_BY_KEY = select(_messages.c.id, _messages.c.message_name, _messages.c.message_key, _messages.c.received_at,
                 _messages.c.delivered_to).where(_messages.c.message_key == bindparam("b_key"))
_COUNT_DUPLICATE = update(_messages).where(_messages.c.id == bindparam("b_message_id")).values(
    duplicates=_messages.c.duplicates + 1)
_ROUTED = and_(_waiting.c.message_name == _messages.c.message_name, _waiting.c.correlation == _messages.c.correlation)
_TARGETED = and_(_waiting.c.message_name == _messages.c.message_name,
                 _waiting.c.instance_id == _messages.c.target_instance_id)
_AWAITING_STORED = (
    select(_waiting.c.instance_id).join(_messages, or_(_ROUTED, _TARGETED))
    .join(_instances, _instances.c.id == _waiting.c.instance_id)
    .where(_messages.c.status == MessageStatus.PENDING.value, _instances.c.status == InstanceStatus.RUNNING.value)
    .distinct().limit(bindparam("b_limit"))
)


def route(conn: Connection, name: str, correlation: str) -> Route | None:
    found = conn.execute(_ROUTE, {"name": name, "correlation": correlation}).first()
    return Route(found.instance_id, found.correlations) if found is not None else None


def pending(conn: Connection, instance_id: int, awaited: Iterable[tuple[str, str]]) -> PendingMessage | None:
    """The oldest pending message addressed to one of the awaited (name, correlation) pairs, or
    targeted at the instance under one of those names."""
    pairs = set(awaited)
    if not pairs:
        return None
    rows = conn.execute(_PENDING, {
        "names": sorted({name for name, _ in pairs}),
        "correlations": sorted({corr for _, corr in pairs}),
        "instance_id": instance_id,
    }).all()
    for row in rows:
        routed = row.correlation is not None and (row.message_name, row.correlation) in pairs
        if routed or row.target_instance_id == instance_id:
            return PendingMessage(**row._mapping)
    return None


def store(conn: Connection, values: NewMessage) -> int | None:
    """Insert a message unless its key exists; its id, or None for a duplicate."""
    found: int | None = conn.execute(_STORE[conn.dialect.name], values).scalar_one_or_none()
    return found


def mark_delivered(conn: Connection, message_id: int, instance_id: int, at: datetime) -> None:
    conn.execute(_MARK_DELIVERED, {"b_message_id": message_id, "b_instance_id": instance_id, "b_at": at})


def mark_rejected(conn: Connection, message_id: int, error: str) -> None:
    conn.execute(_MARK_REJECTED, {"b_message_id": message_id, "b_error": error})


def by_key(conn: Connection, message_key: str) -> KnownMessage | None:
    found = conn.execute(_BY_KEY, {"b_key": message_key}).first()
    return KnownMessage(**found._mapping) if found is not None else None


def count_duplicate(conn: Connection, message_id: int) -> None:
    conn.execute(_COUNT_DUPLICATE, {"b_message_id": message_id})


def instances_awaiting_stored(conn: Connection, limit: int) -> list[int]:
    """Running instances that wait for a message already stored for them (a crash left it there)."""
    return list(conn.execute(_AWAITING_STORED, {"b_limit": limit}).scalars())
