"""Outbox rows: queued by a step (one per outside effect, unique by idempotency key), leased by
the dispatcher one at a time, then marked sent, retried later, or given up (dead)."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypedDict

from sqlalchemy import Connection, select
from sqlalchemy.orm import Session

from storage.db import insert_or_ignore_by_dialect
from storage.models import OutboxMessage
from storage.statuses import OutboxStatus

# The same idempotency key is the same effect: a retried task that queues it again adds nothing.
_INSERT = insert_or_ignore_by_dialect(OutboxMessage, ["idempotency_key"])


class NewOutboxRow(TypedDict):
    """An outside effect a step queues."""

    instance_id: int | None  # None: an effect no instance waits for (a power-protect command, issue 16 item 4)
    adapter: str
    idempotency_key: str
    payload: dict[str, Any]
    status: str
    attempts: int
    next_attempt_at: datetime
    created_at: datetime


@dataclass(frozen=True)
class Leased:
    """A row taken for one send: its attempt counted, its next attempt pushed out by the lease."""

    id: int
    adapter: str
    payload: dict[str, Any]
    idempotency_key: str
    attempts: int


@dataclass(frozen=True)
class Outcome:
    """A row as its send left it: what the ``outbox`` history says of it."""

    id: int
    instance_id: int | None
    adapter: str
    idempotency_key: str
    attempts: int
    payload: dict[str, Any]
    status: str


def queue(conn: Connection, rows: Sequence[NewOutboxRow]) -> None:
    if rows:
        conn.execute(_INSERT[conn.dialect.name], list(rows))


def lease_due(session: Session, now: datetime, lease_until: datetime, limit: int,
              skip_adapters: Collection[str] = ()) -> list[Leased]:
    """Lease up to ``limit`` rows due first (skipping rows another dispatcher holds, and the rows of
    ``skip_adapters``): each one's attempt counted and its next attempt pushed past the lease."""
    due = select(OutboxMessage).where(OutboxMessage.status == OutboxStatus.PENDING,
                                      OutboxMessage.next_attempt_at <= now)
    if skip_adapters:
        due = due.where(OutboxMessage.adapter.not_in(sorted(skip_adapters)))
    rows = session.execute(
        due.order_by(OutboxMessage.next_attempt_at, OutboxMessage.id).limit(limit).with_for_update(skip_locked=True)
    ).scalars().all()
    for row in rows:
        row.attempts += 1
        row.next_attempt_at = lease_until
    return [Leased(row.id, row.adapter, dict(row.payload), row.idempotency_key, row.attempts) for row in rows]


def mark_sent(session: Session, row_id: int, now: datetime, response: dict[str, Any]) -> Outcome:
    row = _locked(session, row_id)
    row.status, row.sent_at, row.response, row.last_error = OutboxStatus.SENT, now, response, None
    return _outcome(row)


def mark_failed(session: Session, row_id: int, error: str, next_attempt_at: datetime | None) -> Outcome:
    """Record a failed send: tried again at ``next_attempt_at``, or, with None, given up (dead)."""
    row = _locked(session, row_id)
    row.last_error = error
    if next_attempt_at is None:
        row.status = OutboxStatus.DEAD
    else:
        row.next_attempt_at = next_attempt_at
    return _outcome(row)


def defer(session: Session, row_id: int, retry_at: datetime, error: str) -> None:
    """Nothing was tried (the receiver is known to be down): the lease's attempt is given back and
    the row waits until ``retry_at``."""
    row = _locked(session, row_id)
    row.attempts, row.next_attempt_at, row.last_error = max(row.attempts - 1, 0), retry_at, error


def withdraw(session: Session, row_id: int, reason: str) -> Outcome:
    """The check before sending found the effect must not leave any more: cancelled, unsent."""
    row = _locked(session, row_id)
    row.status, row.last_error = OutboxStatus.CANCELLED, reason
    return _outcome(row)


def _locked(session: Session, row_id: int) -> OutboxMessage:
    row = session.get(OutboxMessage, row_id, with_for_update=True)
    if row is None:
        raise LookupError(f"outbox row {row_id} does not exist")
    return row


def _outcome(row: OutboxMessage) -> Outcome:
    return Outcome(row.id, row.instance_id, row.adapter, row.idempotency_key, row.attempts, dict(row.payload),
                   row.status)
