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

from sqlalchemy.orm import Session

from app.clock import Clock
from app.runtime.canonical import json_safe
from app.runtime.contract import OutboxAdapter, Receipt
from app.runtime.events import history
from app.runtime.events.history import NewEvent
from storage import outbox_rows
from storage.db import Database
from storage.outbox_rows import Leased, Outcome
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
        factor: int = 2 ** max(attempts - 1, 0)
        return min(self.first_backoff * factor, self.max_backoff)


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
            adapter = self.adapters.get(leased.adapter)
            try:
                if adapter is None:
                    raise LookupError(f"no outbox adapter named {leased.adapter!r}")
                response = json_safe(dict(adapter.send(leased.payload, leased.idempotency_key) or {}))
            except Exception as exc:
                self._record_failure(leased, f"{type(exc).__name__}: {exc}")
            else:
                self._record_sent(leased, response)
                log.info("outbox: sent %s %s", leased.adapter, leased.idempotency_key)
        return attempted

    def _lease_one(self) -> Leased | None:
        with self.db.transaction() as session:
            now = self.clock.now()
            return outbox_rows.lease_next(session, now, now + self.policy.lease)

    def _record_sent(self, leased: Leased, response: dict[str, Any]) -> None:
        with self.db.transaction() as session:
            now = self.clock.now()
            row = outbox_rows.mark_sent(session, leased.id, now, response)
            receipt = self.receipts.get(row.adapter)
            recorded = dict(receipt(session, dict(row.payload), now)) if receipt is not None else {}
            self._history(session, row, "outbox.sent", {"response": response, **recorded})

    def _record_failure(self, leased: Leased, error: str) -> None:
        with self.db.transaction() as session:
            gave_up = leased.attempts >= self.policy.max_attempts
            retry_at = None if gave_up else self.clock.now() + self.policy.backoff(leased.attempts)
            row = outbox_rows.mark_failed(session, leased.id, error, retry_at)
            self._history(session, row, "outbox.failed", {"error": error, "gave_up": row.status == OutboxStatus.DEAD})

    def _history(self, session: Session, row: Outcome, kind: str, data: dict[str, Any]) -> None:
        history.append(session, STREAM, [NewEvent(kind, None, {
            "outbox_id": row.id, "instance_id": row.instance_id, "adapter": row.adapter,
            "key": row.idempotency_key, "attempt": row.attempts, **data,
        })], actor="system:outbox", at=self.clock.now())
