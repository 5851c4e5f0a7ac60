"""The reports' per-case rows, read only where a report needs them: payment cases in full — the
ones ``report_counts.order_counts`` named (the longest waits a page shows), or every case of the
period longest first, streamed (the CSV) — and the manual orders opened in the period (the first
a page shows, or all of them streamed)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import CTE, Select, func, select
from sqlalchemy.orm import Session

from storage.domain_models import Customer
from storage.report_expressions import codepoint_order, microseconds_between
from storage.report_orders import (
    ORDER,
    opened_between,
    order_segment,
    orders,
    paid_at,
    remote_sends,
    restored_at,
    restored_between,
)

STREAMED_ROWS = 2000
IDS_AT_ONCE = 500


class PaymentCaseRow(NamedTuple):
    order_id: int
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


_CASE_COLUMNS = (ORDER.id.label("order_id"), ORDER.customer_id.label("customer_id"),
                 func.coalesce(ORDER.manual_order_no, ORDER.auto_order_no, "").label("order_no"),
                 order_segment.label("segment"), paid_at.label("paid_at"), restored_at.label("restored_at"),
                 ORDER.outcome.label("outcome"))


def _with_customers(cases: CTE) -> Select[Any]:
    # the customers are joined to the cases left after the filters, not to every order read
    c = cases.c
    wait = microseconds_between(c.restored_at, c.paid_at)
    return (select(c.order_id, c.order_no, Customer.number, Customer.name, c.segment, c.paid_at, c.restored_at,
                   c.outcome, wait.label("wait"))
            .join(Customer, Customer.id == c.customer_id).where(c.paid_at.is_not(None)))


def payment_cases(session: Session, start: datetime, end: datetime, segment: str | None,
                  over: int | None = None) -> Iterator[PaymentCaseRow]:
    """Every order whose power came back at ``start`` ≤ time < ``end`` after a clearing payment
    (waiting more than ``over`` microseconds when given), longest wait first (then by order
    number), read ``STREAMED_ROWS`` at a time."""
    # not materialized since the payment is kept on the order (nothing to look up once): 0.26 s
    # against 0.41 s on PostgreSQL for a whole period's 18,915 cases over 24 h, 0.28 against 0.33 s on SQLite
    cases = restored_between(start, end, segment, *_CASE_COLUMNS).cte("payment_cases")
    query = _with_customers(cases)
    wait = query.selected_columns.wait
    if over is not None:
        query = query.where(wait > over)
    query = query.order_by(wait.desc(), codepoint_order(cases.c.order_no))
    for row in session.execute(query.execution_options(yield_per=STREAMED_ROWS)):
        yield PaymentCaseRow._make(row)


def payment_cases_of(session: Session, order_ids: Sequence[int]) -> list[PaymentCaseRow]:
    """The payment cases of these orders (``report_counts.order_counts``' longest waits), in no order."""
    found = []
    for first in range(0, len(order_ids), IDS_AT_ONCE):
        chunk = order_ids[first:first + IDS_AT_ONCE]
        cases = orders(*_CASE_COLUMNS).where(ORDER.id.in_(chunk)).cte("payment_cases")
        found += [PaymentCaseRow._make(row) for row in session.execute(_with_customers(cases))]
    return found


def manual_orders(session: Session, start: datetime, end: datetime, segment: str | None,
                  first: int | None = None) -> Iterator[ManualOrderRow]:
    """Manual orders opened at ``start`` ≤ time < ``end``, in the order they opened (then by
    number): the ``first`` of them when given, else all, read ``STREAMED_ROWS`` at a time."""
    query = opened_between(start, end, segment, ORDER.manual_order_no, Customer.number, Customer.name,
                           order_segment, ORDER.opened_at, ORDER.auto_order_no.is_not(None), remote_sends,
                           ORDER.status, restored_at, customer=True).where(ORDER.manual_order_no.is_not(None))
    query = query.order_by(ORDER.opened_at, codepoint_order(ORDER.manual_order_no)).limit(first)
    if first is None:  # only all of them are streamed: a server-side cursor on PostgreSQL, planned for its first rows
        query = query.execution_options(yield_per=STREAMED_ROWS)
    for row in session.execute(query):
        yield ManualOrderRow._make(row)
