"""Reconnection orders (``reconnections``) and the patrol's candidates (M5.1): customers who are
disconnected, owe nothing, and have neither an open order nor a meter command in flight.

The candidates' statement is built once. Its statuses are SQL literals, not bound values, where a
partial index must serve them (SQLite matches a partial index only against literals): the
customer's power status and the commands' in-flight list. One open order per customer is the
partial unique index ``ux_reconnections_open_customer``: opening a second fails with an
``IntegrityError``, which the caller takes as "one is open already".
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import (
    ColumnElement,
    Connection,
    Row,
    Select,
    and_,
    bindparam,
    exists,
    func,
    insert,
    literal_column,
    select,
    update,
)
from sqlalchemy.orm import InstrumentedAttribute, Session

from storage.domain_models import Customer, MeterCommand, Payment, Reconnection
from storage.models import Instance
from storage.statuses import (
    ENDED_INSTANCE,
    IN_FLIGHT_COMMAND,
    CommandStatus,
    OrderStatus,
    PowerStatus,
    literal_statuses,
    sql_literal,
)

REMOTE_OUTCOME, ON_SITE_OUTCOME = "reconnected_remote", "reconnected_on_site"  # a closed order's outcomes


class OrderRef(NamedTuple):
    """An open order being closed, and whose it is."""

    id: int
    instance_id: int | None
    customer_number: str


def _candidates() -> Select[int, str]:
    """Disconnected, owing nothing, no open order, no command in flight (as of ``b_now``)."""
    open_order = exists().where(Reconnection.customer_id == Customer.id, Reconnection.status == OrderStatus.OPEN)
    in_flight = exists().where(and_(MeterCommand.meter_address == Customer.meter_address,
                                    MeterCommand.status.in_(literal_statuses(IN_FLIGHT_COMMAND)),
                                    MeterCommand.deadline > bindparam("b_now")))
    # literals, not bound values, let SQLite use the partial indexes
    return select(Customer.id, Customer.number).where(
        Customer.power_status == literal_column(sql_literal(PowerStatus.DISCONNECTED)), Customer.owed_cents <= 0,
        ~open_order, ~in_flight)


_CANDIDATES = _candidates()
_RECHECK = _CANDIDATES.where(Customer.id == bindparam("b_customer")).with_for_update(of=Customer)
_COUNT_SEND = update(Reconnection).where(Reconnection.instance_id == bindparam("b_instance")).values(
    sends=Reconnection.sends + 1)


def _clearing_payment(column: InstrumentedAttribute[Any]) -> ColumnElement[Any]:
    """``column`` of the payment that cleared the customer's arrears: their latest received by
    ``b_now`` that left nothing owed (the reports' wait starts when it was paid)."""
    return (select(column).where(Payment.customer_id == bindparam("b_customer"), Payment.owed_after_cents <= 0,
                                 Payment.received_at <= bindparam("b_now"))
            .order_by(Payment.received_at.desc(), Payment.id.desc()).limit(1).scalar_subquery())


_OPEN_ORDER = insert(Reconnection).values(
    customer_id=bindparam("b_customer"), trigger=bindparam("b_trigger"), opened_at=bindparam("b_now"),
    status=OrderStatus.OPEN, clearing_payment_id=_clearing_payment(Payment.id),
    paid_at=_clearing_payment(Payment.paid_at))
_ORDER_NUMBER = {kind: update(Reconnection).where(Reconnection.instance_id == bindparam("b_instance"))
                 .values({column: bindparam("b_number")})
                 for kind, column in (("auto", Reconnection.auto_order_no), ("manual", Reconnection.manual_order_no))}
_LINK_ORDER = update(Reconnection).where(
    Reconnection.customer_id == bindparam("b_customer"), Reconnection.status == OrderStatus.OPEN,
    Reconnection.instance_id.is_(None)).values(instance_id=bindparam("b_instance"))


def candidates_statement(now: datetime, limit: int) -> Select[int, str]:
    """The patrol's one query, ready to execute (``benchmarks/patrol.py`` explains its plan)."""
    return _CANDIDATES.order_by(Customer.id).limit(limit).params(b_now=now)


def candidates(session: Session, now: datetime, *, limit: int) -> list[Row[int, str]]:
    """(id, number) of the first ``limit`` candidates, by customer id."""
    return list(session.execute(candidates_statement(now, limit)).all())


def candidate(session: Session, now: datetime, customer_number: str) -> Row[int, str] | None:
    """(id, number) of the customer if they are a candidate now, else None."""
    return session.execute(candidates_statement(now, 1).where(Customer.number == customer_number)).first()


def still_candidate(conn: Connection, now: datetime, customer_id: int) -> bool:
    """Whether the customer is a candidate still, checked under their row lock (held to the end of
    the transaction: a payment or another worker waits)."""
    return conn.execute(_RECHECK, {"b_now": now, "b_customer": customer_id}).first() is not None


def open_order(conn: Connection, customer_id: int, trigger: str, now: datetime) -> None:
    """Open the customer's order, keeping the payment that cleared their arrears
    (``IntegrityError`` when one is open already)."""
    conn.execute(_OPEN_ORDER, {"b_customer": customer_id, "b_trigger": trigger, "b_now": now})


def link_open_order(conn: Connection, customer_id: int, instance_id: int) -> None:
    """The customer's open order, not yet linked to an instance, is this instance's."""
    conn.execute(_LINK_ORDER, {"b_customer": customer_id, "b_instance": instance_id})


def set_order_number(conn: Connection, instance_id: int, kind: str, number: str) -> None:
    """Number the instance's order: ``auto`` (10…) or ``manual`` (14…)."""
    conn.execute(_ORDER_NUMBER[kind], {"b_instance": instance_id, "b_number": number})


def close_open_order(session: Session, instance_id: int, now: datetime, outcome: str,
                     on_site_at: datetime | None = None) -> None:
    """The instance's open order is done (``closed``) with ``outcome``, and when power came back:
    ``on_site_at`` (the reader's time) for an on-site outcome, the order's first executed close
    for a remote one."""
    restored: ColumnElement[datetime | None] | datetime | None = (
        _first_remote_close() if outcome == REMOTE_OUTCOME else on_site_at if outcome == ON_SITE_OUTCOME else None)
    session.execute(update(Reconnection).where(Reconnection.instance_id == instance_id,
                                               Reconnection.status == OrderStatus.OPEN)
                    .values(status=OrderStatus.CLOSED, closed_at=now, outcome=outcome, reconnected_at=restored))


def _first_remote_close() -> ColumnElement[datetime | None]:
    """When the order's own ``direct_close`` first executed with the relay closed (None: never)."""
    return (select(func.min(MeterCommand.executed_at))
            .where(MeterCommand.customer_id == Reconnection.customer_id,
                   MeterCommand.instance_id == Reconnection.instance_id, MeterCommand.action == "direct_close",
                   MeterCommand.status == CommandStatus.EXECUTED, MeterCommand.relay == "closed")
            .scalar_subquery())


def count_send(conn: Connection, instance_id: int) -> None:
    """The instance recorded one more head-end send (a busy meter too) on its orders."""
    conn.execute(_COUNT_SEND, {"b_instance": instance_id})


def _open_orders_locked(session: Session, of_instances: ColumnElement[bool]) -> list[OrderRef]:
    rows = session.execute(
        select(Reconnection.id, Reconnection.instance_id, Customer.number)
        .join(Customer, Customer.id == Reconnection.customer_id)
        .where(Reconnection.status == OrderStatus.OPEN, of_instances)
        .order_by(Reconnection.id).with_for_update(of=Reconnection))
    return [OrderRef._make(row) for row in rows]


def open_orders_of(session: Session, instance_ids: Collection[int]) -> list[OrderRef]:
    """The open orders of these instances, locked, by id."""
    return _open_orders_locked(session, Reconnection.instance_id.in_(list(instance_ids)))


def open_orders_of_ended_instances(session: Session) -> list[OrderRef]:
    """The open orders whose instance has ended (completed or terminated), locked, by id."""
    ended = select(Instance.id).where(Instance.status.in_(ENDED_INSTANCE))
    return _open_orders_locked(session, Reconnection.instance_id.in_(ended))


def abandon(session: Session, order_ids: Collection[int], now: datetime, outcome: str) -> None:
    """Mark the orders ``abandoned`` with ``outcome``: their customers may get a new one at once."""
    session.execute(update(Reconnection).where(Reconnection.id.in_(list(order_ids)))
                    .values(status=OrderStatus.ABANDONED, closed_at=now, outcome=outcome))
