"""The reports' per-case rows, read only where a report needs them: the time from the clearing
payment to power back of every order reconnected in the period (whole microseconds, the one
column the median, p95 and buckets need), those cases in full (longest first, optionally only the
ones over a length and at most so many), and the manual orders opened in the period."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import NamedTuple

from sqlalchemy import CTE, func, select
from sqlalchemy.orm import Session

from storage.domain_models import Customer
from storage.report_expressions import codepoint_order, microseconds_between
from storage.report_orders import (
    ORDER,
    opened_between,
    order_segment,
    paid_at,
    remote_sends,
    restored_at,
    restored_between,
)

STREAMED_ROWS = 2000


class PaymentCaseRow(NamedTuple):
    order_no: str  # the manual order's number, else the automatic one's
    customer: str
    customer_name: str
    segment: str
    paid_at: datetime
    restored_at: datetime
    outcome: str
    microseconds: int


class ManualOrderRow(NamedTuple):
    order_no: str
    customer: str
    customer_name: str
    segment: str
    opened_at: datetime
    automatic_first: bool  # an automatic order's sends came first (else: no auto-reconnect flag)
    sends: int
    status: str
    restored_at: datetime | None


def _restored(start: datetime, end: datetime, segment: str | None) -> CTE:
    # Materialized, so that each order's payment (a correlated subquery) is looked up once, not once
    # for every use of the wait in the statement
    return restored_between(start, end, segment, func.coalesce(ORDER.manual_order_no, ORDER.auto_order_no, "")
                            .label("order_no"), Customer.number.label("customer"), Customer.name.label("name"),
                            order_segment.label("segment"), paid_at.label("paid_at"),
                            restored_at.label("restored_at"), ORDER.outcome.label("outcome"), customer=True
                            ).cte("restored").prefix_with("MATERIALIZED")


def payment_waits(session: Session, start: datetime, end: datetime, segment: str | None) -> list[int | None]:
    """For every order whose power came back at ``start`` ≤ time < ``end``: microseconds from the
    clearing payment to power back (None when no payment cleared the arrears before the order)."""
    restored = (restored_between(start, end, segment, paid_at.label("paid_at"), restored_at.label("restored_at"))
                .cte("restored").prefix_with("MATERIALIZED"))
    return list(session.scalars(select(microseconds_between(restored.c.restored_at, restored.c.paid_at))))


def payment_cases(session: Session, start: datetime, end: datetime, segment: str | None,
                  over: int | None = None, limit: int | None = None) -> Iterator[PaymentCaseRow]:
    """The orders of ``payment_waits`` that have a payment, longest wait first (then by order
    number), only those waiting more than ``over`` microseconds when given, at most ``limit``;
    read ``STREAMED_ROWS`` at a time."""
    restored = _restored(start, end, segment)
    wait = microseconds_between(restored.c.restored_at, restored.c.paid_at)
    query = (select(restored.c.order_no, restored.c.customer, restored.c.name, restored.c.segment, restored.c.paid_at,
                    restored.c.restored_at, restored.c.outcome, wait)
             .where(restored.c.paid_at.is_not(None)).order_by(wait.desc(), codepoint_order(restored.c.order_no)))
    if over is not None:
        query = query.where(wait > over)
    if limit is not None:
        query = query.limit(limit)
    for row in session.execute(query.execution_options(yield_per=STREAMED_ROWS)):
        yield PaymentCaseRow._make(row)


def manual_orders(session: Session, start: datetime, end: datetime, segment: str | None) -> list[ManualOrderRow]:
    """Manual orders opened at ``start`` ≤ time < ``end``."""
    query = opened_between(start, end, segment, ORDER.manual_order_no, Customer.number, Customer.name,
                           order_segment, ORDER.opened_at, ORDER.auto_order_no.is_not(None), remote_sends,
                           ORDER.status, restored_at, customer=True).where(ORDER.manual_order_no.is_not(None))
    return [ManualOrderRow._make(row) for row in session.execute(query)]
