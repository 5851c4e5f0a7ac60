"""The outbox dispatcher: sends pending rows after commit, through the adapter named on the row.

Rows are leased a batch at a time (attempts + 1, next attempt pushed out by the lease) and
committed; then the adapter is called with each row's idempotency key; then the batch's outcomes
are recorded together. A crash between the lease and the outcomes leaves the rows pending: each
is sent again after the lease, with the same key, so the receiver can drop the repeat (delivery
is at least once; the adapters apply a key once).

Three answers besides "sent" and "failed, try later" (issue 15): a ``SendCheck`` of the row's adapter,
asked in the lease's transaction, may withdraw a row that must not leave any more (a stale trip);
an adapter raising ``ReceiverDown`` (its breaker is open) gets its rows back unattempted and none
leased until it may be up again, with no history per row; ``SendRefused`` gives a row up at once,
records the refusal (the domain's hook) and opens an incident on its instance (``on_refused``).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from app.clock import Clock
from app.runtime.canonical import json_safe
from app.runtime.contract import Handover, OutboxAdapter, Receipt, ReceiverDown, Refusal, SendCheck, SendRefused
from app.runtime.events import history
from app.runtime.events.history import NewEvent
from storage import outbox_rows
from storage.db import Database
from storage.outbox_rows import Leased, Outcome
from storage.statuses import OutboxStatus

log = logging.getLogger("relayflow.outbox")
SentHook = Callable[[Session, Outcome, datetime], object]
RefusedHook = Callable[[Session, Outcome, str], object]  # opens the incident on the row's instance
STREAM = "outbox"
Attempt = dict[str, Any] | str | ReceiverDown | SendRefused  # the response, the error text, or why not tried


@dataclass(frozen=True)
class DomainHooks:
    """What the domain says about an adapter's rows, by adapter name: recorded once it took one
    (receipt), asked just before one leaves (check), recorded when the receiver refused one."""

    receipts: Mapping[str, Receipt] = field(default_factory=dict)
    checks: Mapping[str, SendCheck] = field(default_factory=dict)
    refusals: Mapping[str, Refusal] = field(default_factory=dict)


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
                 policy: RetryPolicy | None = None, hooks: DomainHooks | None = None, *,
                 batch: int = 50, budget: timedelta = timedelta(seconds=10), on_sent: SentHook | None = None,
                 on_refused: RefusedHook | None = None) -> None:
        self.db, self.adapters, self.clock = db, adapters, clock
        self.policy = policy or RetryPolicy()
        self.hooks = hooks or DomainHooks()
        self.batch, self.budget = batch, budget  # rows leased per transaction; one run's time at most
        self.on_sent = on_sent  # hears of each row handed over, in the transaction that records it (metrics)
        self.on_refused = on_refused
        self.writer: str | None = None  # a worker records the outcomes in its own stream, ``outbox/<worker>``
        self._down_until: dict[str, datetime] = {}  # adapters whose receiver is down: none of their rows leased

    def dispatch(self, limit: int | None = None) -> int:
        """Send what is due — leased ``batch`` rows per transaction, outcomes recorded together —
        until nothing is due, ``limit`` rows were attempted or ``budget`` is spent (so the worker's
        other jobs still run); returns how many were attempted. No fixed ceiling per run: a backlog
        drains, and several workers drain it side by side (rows are leased with SKIP LOCKED)."""
        attempted, deadline = 0, time.monotonic() + self.budget.total_seconds()
        while limit is None or attempted < limit:
            size = self.batch if limit is None else min(self.batch, limit - attempted)
            leased, withdrawn = self._lease(size)
            if not leased and not withdrawn:
                break
            self._record([(row, self._send(row)) for row in leased])
            attempted += len(leased)
            if time.monotonic() >= deadline:
                break
        return attempted

    def _lease(self, size: int) -> tuple[list[Leased], int]:
        """Rows to send now, and how many the checks withdrew (in the lease's transaction)."""
        now = self.clock.now()
        self._down_until = {name: until for name, until in self._down_until.items() if until > now}
        with self.db.transaction() as session:
            leased = outbox_rows.lease_due(session, now, now + self.policy.lease, size, set(self._down_until))
            to_send = [row for row in leased if not self._withdrawn(session, row, now)]
            return to_send, len(leased) - len(to_send)

    def _withdrawn(self, session: Session, leased: Leased, now: datetime) -> bool:
        """Whether the row's check withdrew it (or failed: then it stays leased, asked again after the lease)."""
        check = self.hooks.checks.get(leased.adapter)
        if check is None:
            return False
        try:
            with session.begin_nested():
                reason = check(session, leased.payload, now)
                if reason is None:
                    return False
                row = outbox_rows.withdraw(session, leased.id, reason)
                self._history(session, row, "outbox.withdrawn", {"reason": reason})
        except Exception:
            log.exception("outbox: the check before sending %s %s failed; asked again after the lease",
                          leased.adapter, leased.idempotency_key)
            return True
        log.info("outbox: withdrew %s %s: %s", leased.adapter, leased.idempotency_key, reason)
        return True

    def _send(self, leased: Leased) -> Attempt:
        """The adapter's response, the error text when the send failed, or the exception that says
        why nothing was tried (the receiver is down) or why it never will be (refused)."""
        adapter = self.adapters.get(leased.adapter)
        try:
            if adapter is None:
                raise LookupError(f"no outbox adapter named {leased.adapter!r}")
            response: dict[str, Any] = json_safe(dict(adapter.send(leased.payload, leased.idempotency_key) or {}))
        except ReceiverDown as down:
            self._down_until[leased.adapter] = max(down.retry_at, self._down_until.get(leased.adapter, down.retry_at))
            return down
        except SendRefused as refused:
            return refused
        except Exception as exc:
            return f"{type(exc).__name__}: {exc}"
        return response

    def _record(self, outcomes: list[tuple[Leased, Attempt]]) -> None:
        """Each outcome in its own savepoint of one transaction: one that cannot be recorded (a
        receipt failed) is logged and left leased — sent again, with its key, after the lease."""
        with self.db.transaction() as session:
            for leased, outcome in outcomes:
                try:
                    with session.begin_nested():
                        self._record_one(session, leased, outcome)
                except Exception:
                    log.exception("outbox: the outcome of %s %s could not be recorded", leased.adapter,
                                  leased.idempotency_key)

    def _record_one(self, session: Session, leased: Leased, outcome: Attempt) -> None:
        if isinstance(outcome, ReceiverDown):  # not an attempt, and no history: the breaker logged it once
            outbox_rows.defer(session, leased.id, outcome.retry_at, f"not sent: {outcome}")
        elif isinstance(outcome, SendRefused):
            self._record_refusal(session, leased, str(outcome))
        elif isinstance(outcome, str):
            self._record_failure(session, leased, outcome)
        else:
            self._record_sent(session, leased, outcome)

    def _record_sent(self, session: Session, leased: Leased, response: dict[str, Any]) -> None:
        now = self.clock.now()
        row = outbox_rows.mark_sent(session, leased.id, now, response)
        receipt = self.hooks.receipts.get(row.adapter)
        handover = Handover(row.id, row.idempotency_key, dict(row.payload), response)
        recorded = dict(receipt(session, handover, now)) if receipt is not None else {}
        self._history(session, row, "outbox.sent", {"response": response, **recorded})
        if self.on_sent is not None:
            self.on_sent(session, row, now)
        log.info("outbox: sent %s %s", leased.adapter, leased.idempotency_key)

    def _record_failure(self, session: Session, leased: Leased, error: str) -> None:
        gave_up = leased.attempts >= self.policy.max_attempts
        retry_at = None if gave_up else self.clock.now() + self.policy.backoff(leased.attempts)
        row = outbox_rows.mark_failed(session, leased.id, error, retry_at)
        self._history(session, row, "outbox.failed", {"error": error, "gave_up": row.status == OutboxStatus.DEAD})

    def _record_refusal(self, session: Session, leased: Leased, answer: str) -> None:
        """Given up at once (dead), the domain's record of it, and an incident on the instance."""
        row = outbox_rows.mark_failed(session, leased.id, answer, None)
        refusal = self.hooks.refusals.get(row.adapter)
        if refusal is not None:
            refusal(session, dict(row.payload), answer, self.clock.now())
        self._history(session, row, "outbox.refused", {"error": answer, "gave_up": True})
        if self.on_refused is not None and row.instance_id is not None:
            self.on_refused(session, row, answer)
        log.warning("outbox: %s refused %s: %s", leased.adapter, leased.idempotency_key, answer)

    def _history(self, session: Session, row: Outcome, kind: str, data: dict[str, Any]) -> None:
        history.append(session, history.writer_stream(STREAM, self.writer), [NewEvent(kind, None, {
            "outbox_id": row.id, "instance_id": row.instance_id, "adapter": row.adapter,
            "key": row.idempotency_key, "attempt": row.attempts, **data,
        })], actor="system:outbox", at=self.clock.now())
