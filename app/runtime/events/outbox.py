"""The outbox dispatcher: sends pending rows after commit, through the adapter named on the row.

Each send is leased first (attempts + 1, next attempt pushed out by the lease) and committed;
then the adapter is called with the row's idempotency key; then the outcome is recorded. A
crash between the lease and the outcome leaves the row pending: it is sent again after the
lease, with the same key, so the receiver can drop the repeat.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import select

from app.clock import Clock
from app.runtime.canonical import json_safe
from app.runtime.contract import OutboxAdapter, Receipt
from app.runtime.events import history
from app.runtime.events.history import NewEvent
from storage.db import Database
from storage.models import OutboxMessage
from storage.statuses import OutboxStatus

log = logging.getLogger("relayflow.outbox")
STREAM = "outbox"




@dataclass(frozen=True)
class RetryPolicy:
    lease: timedelta = timedelta(minutes=2)
    first_backoff: timedelta = timedelta(seconds=10)
    max_backoff: timedelta = timedelta(hours=1)
    max_attempts: int = 12

    def backoff(self, attempts: int) -> timedelta:
        return min(self.first_backoff * (2 ** max(attempts - 1, 0)), self.max_backoff)


class OutboxDispatcher:
    def __init__(self, db: Database, adapters: Mapping[str, OutboxAdapter], clock: Clock,
                 policy: RetryPolicy | None = None, receipts: Mapping[str, Receipt] | None = None) -> None:
        self.db, self.adapters, self.clock = db, adapters, clock
        self.policy = policy or RetryPolicy()
        self.receipts: Mapping[str, Receipt] = receipts or {}

    def dispatch(self, limit: int = 100) -> int:
        """Send up to ``limit`` due rows, one at a time; returns how many were attempted."""
        attempted = 0
        while attempted < limit:
            leased = self._lease_one()
            if leased is None:
                break
            attempted += 1
            row_id, adapter_name, payload, key, attempts = leased
            adapter = self.adapters.get(adapter_name)
            try:
                if adapter is None:
                    raise LookupError(f"no outbox adapter named {adapter_name!r}")
                response = json_safe(dict(adapter.send(payload, key) or {}))
            except Exception as exc:
                self._record_failure(row_id, attempts, f"{type(exc).__name__}: {exc}")
            else:
                self._record_sent(row_id, response)
                log.info("outbox: sent %s %s", adapter_name, key)
        return attempted

    def _lease_one(self) -> tuple[int, str, dict[str, Any], str, int] | None:
        with self.db.transaction() as session:
            now = self.clock.now()
            row = session.execute(
                select(OutboxMessage).where(OutboxMessage.status == OutboxStatus.PENDING,
                                            OutboxMessage.next_attempt_at <= now)
                .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id).limit(1)
                .with_for_update(skip_locked=True)
            ).scalar_one_or_none()
            if row is None:
                return None
            row.attempts += 1
            row.next_attempt_at = now + self.policy.lease
            return row.id, row.adapter, dict(row.payload), row.idempotency_key, row.attempts

    def _record_sent(self, row_id: int, response: dict[str, Any]) -> None:
        with self.db.transaction() as session:
            row = session.get(OutboxMessage, row_id, with_for_update=True)
            assert row is not None
            now = self.clock.now()
            row.status, row.sent_at, row.response, row.last_error = OutboxStatus.SENT, now, response, None
            receipt = self.receipts.get(row.adapter)
            recorded = dict(receipt(session, dict(row.payload), now)) if receipt is not None else {}
            self._history(session, row, "outbox.sent", {"response": response, **recorded})

    def _record_failure(self, row_id: int, attempts: int, error: str) -> None:
        with self.db.transaction() as session:
            row = session.get(OutboxMessage, row_id, with_for_update=True)
            assert row is not None
            row.last_error = error
            if attempts >= self.policy.max_attempts:
                row.status = OutboxStatus.DEAD
            else:
                row.next_attempt_at = self.clock.now() + self.policy.backoff(attempts)
            self._history(session, row, "outbox.failed", {"error": error, "gave_up": row.status == OutboxStatus.DEAD})

    def _history(self, session: Any, row: OutboxMessage, kind: str, data: dict[str, Any]) -> None:
        history.append(session, STREAM, [NewEvent(kind, None, {
            "outbox_id": row.id, "instance_id": row.instance_id, "adapter": row.adapter,
            "key": row.idempotency_key, "attempt": row.attempts, **data,
        })], actor="system:outbox", at=self.clock.now())
