"""The restoration clock kept on reconnection orders (issue 16 item 3): started and escalated by
the reconnect process's steps, its outcome written when the order closes; the open clocks'
page and the reports' breaches per segment and Beijing day read it here."""

from __future__ import annotations

from datetime import date, datetime
from typing import NamedTuple

from sqlalchemy import Connection, and_, case, func, or_, select, update
from sqlalchemy.orm import Session

from storage.domain_models import Customer, Reconnection
from storage.report_counts import as_date
from storage.report_expressions import beijing_day
from storage.report_orders import order_segment, orders
from storage.statuses import OrderStatus

MET, BREACHED = "met", "breached"  # as app.rules.restoration_clock names them


class ClockOrder(NamedTuple):
    """The instance's order as its clock sees it."""

    trigger: str
    opened_at: datetime
    paid_at: datetime | None
    clock_started_at: datetime | None
    due_at: datetime | None
    escalated_at: datetime | None
    sends: int
    auto_order_no: str | None
    manual_order_no: str | None


class ClockRow(NamedTuple):
    """One clock on the page."""

    customer_number: str
    customer_name: str
    segment: str
    customer_class: str
    instance_id: int | None
    started_at: datetime
    due_at: datetime
    escalated_at: datetime | None
    status: str
    outcome: str | None
    restored_at: datetime | None
    order_no: str | None


class BreachCount(NamedTuple):
    """Clocks due on one Beijing day in one segment: how many, how many met, how many breached
    (the rest are open and not yet due)."""

    day: date
    segment: str
    due: int
    met: int
    breached: int


def order_of(conn: Connection, instance_id: int) -> ClockOrder | None:
    """The instance's latest order (None: it has none)."""
    row = conn.execute(select(
        Reconnection.trigger, Reconnection.opened_at, Reconnection.paid_at, Reconnection.clock_started_at,
        Reconnection.due_at, Reconnection.escalated_at, Reconnection.sends, Reconnection.auto_order_no,
        Reconnection.manual_order_no).where(Reconnection.instance_id == instance_id)
        .order_by(Reconnection.id.desc()).limit(1)).first()
    return ClockOrder._make(row) if row is not None else None


def start(conn: Connection, instance_id: int, started_at: datetime, due_at: datetime) -> None:
    """The instance's open order carries this clock."""
    conn.execute(update(Reconnection).where(Reconnection.instance_id == instance_id,
                                            Reconnection.status == OrderStatus.OPEN)
                 .values(clock_started_at=started_at, due_at=due_at))


def mark_escalated(conn: Connection, instance_id: int, at: datetime) -> bool:
    """The instance's open order was escalated at ``at``; False when it was already."""
    done = conn.execute(update(Reconnection).where(
        Reconnection.instance_id == instance_id, Reconnection.status == OrderStatus.OPEN,
        Reconnection.escalated_at.is_(None)).values(escalated_at=at))
    return bool(done.rowcount)


def record_outcome(conn: Connection, instance_id: int) -> None:
    """The instance's closed orders with a clock: ``met`` when power came back by the due time."""
    restored = func.coalesce(Reconnection.reconnected_at, Reconnection.closed_at)
    conn.execute(update(Reconnection).where(
        Reconnection.instance_id == instance_id, Reconnection.status == OrderStatus.CLOSED,
        Reconnection.due_at.is_not(None), Reconnection.clock_outcome.is_(None))
        .values(clock_outcome=case((restored <= Reconnection.due_at, MET), else_=BREACHED)))


def _clock_rows(*conditions: object) -> list[object]:
    return [Customer.number, Customer.name, order_segment, Customer.customer_class, Reconnection.instance_id,
            Reconnection.clock_started_at, Reconnection.due_at, Reconnection.escalated_at, Reconnection.status,
            Reconnection.clock_outcome, Reconnection.reconnected_at,
            func.coalesce(Reconnection.manual_order_no, Reconnection.auto_order_no), *conditions]


def open_clocks(session: Session, *, limit: int) -> list[ClockRow]:
    """The open orders' clocks, the soonest due first (the most overdue at the top)."""
    query = (orders(*_clock_rows(), customer=True)
             .where(Reconnection.status == OrderStatus.OPEN, Reconnection.due_at.is_not(None))
             .order_by(Reconnection.due_at, Reconnection.id).limit(limit))
    return [ClockRow._make(row) for row in session.execute(query)]


def closed_clocks(session: Session, *, limit: int) -> list[ClockRow]:
    """The latest closed clocks (met or breached), the last closed first."""
    query = (orders(*_clock_rows(), customer=True)
             .where(Reconnection.clock_outcome.is_not(None))
             .order_by(Reconnection.closed_at.desc(), Reconnection.id.desc()).limit(limit))
    return [ClockRow._make(row) for row in session.execute(query)]


def breaches_per_day(session: Session, start: datetime, end: datetime, segment: str | None,
                     now: datetime) -> list[BreachCount]:
    """Clocks due at ``start`` ≤ time < ``end`` per Beijing day and segment (not of abandoned
    orders), and how many were breached: closed late, or still open past their due time at ``now``."""
    day, segment_code = beijing_day(Reconnection.due_at), func.coalesce(order_segment, "")
    breached = or_(Reconnection.clock_outcome == BREACHED,
                   and_(Reconnection.status == OrderStatus.OPEN, Reconnection.due_at < now))
    query = (orders(day, segment_code, func.count(), func.count(case((Reconnection.clock_outcome == MET, 1))),
                    func.count(case((breached, 1))))
             .where(Reconnection.due_at >= start, Reconnection.due_at < end,
                    Reconnection.status != OrderStatus.ABANDONED)  # its customer's next order carries the clock
             .group_by(day, segment_code))
    if segment:
        query = query.where(order_segment == segment)
    return [BreachCount(as_date(row[0]), *row[1:]) for row in session.execute(query)]
