"""The rows behind the reports (``app/audit/reports/facts.py`` says what each fact means and turns
these rows into facts): completed disconnections from their records, and reconnection orders with
their sends and restore times (columns the steps keep, issue 14 item 8) and the payment that
cleared the arrears. Each query reads only the period's rows (plus orders still open) and narrow
columns: no history JSON, no per-order count over the commands."""

from __future__ import annotations

from datetime import datetime
from typing import NamedTuple

from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.orm import Session, aliased

from storage.domain_models import Customer, Disconnection, Payment, Reconnection
from storage.models import Instance, InstanceAttribute
from storage.reconnections import ON_SITE_OUTCOME as ON_SITE
from storage.reconnections import REMOTE_OUTCOME as REMOTE
from storage.statuses import InstanceStatus, OrderStatus

__all__ = ["ON_SITE", "REMOTE", "DisconnectionRow", "OrderRow", "disconnections_between", "orders_overlapping"]


class DisconnectionRow(NamedTuple):
    instance_id: int
    customer: str | None
    segment: str | None
    at: datetime
    how: str | None


class OrderRow(NamedTuple):
    id: int
    instance_id: int | None
    customer: str
    customer_name: str
    segment: str
    trigger: str
    status: str
    outcome: str | None
    opened_at: datetime
    closed_at: datetime | None
    auto_order_no: str | None
    manual_order_no: str | None
    sends: int  # the recorded send calls (automatic orders; else 0)
    reconnected_at: datetime | None  # when power came back (outcome remote or on site)
    paid_at: datetime | None


def disconnections_between(session: Session, start: datetime, end: datetime,
                           segment: str | None) -> list[DisconnectionRow]:
    """Disconnections of completed instances at ``start`` ≤ time < ``end`` (in ``segment`` when
    given: the instance's segment attribute)."""
    segment_attribute = aliased(InstanceAttribute)
    query = (select(Disconnection.instance_id, Disconnection.customer_number, segment_attribute.value,
                    Disconnection.at, Disconnection.how)
             .join(Instance, Instance.id == Disconnection.instance_id)
             .outerjoin(segment_attribute, and_(segment_attribute.instance_id == Disconnection.instance_id,
                                                segment_attribute.name == "segment"))
             .where(Disconnection.at >= start, Disconnection.at < end, Instance.status == InstanceStatus.COMPLETED))
    if segment:
        query = query.where(segment_attribute.value == segment)
    return [DisconnectionRow._make(row) for row in session.execute(query)]


def orders_overlapping(session: Session, start: datetime, end: datetime, segment: str | None) -> list[OrderRow]:
    """Every reconnection order opened before ``end`` and not closed before ``start`` (in ``segment``
    when given: the instance's segment attribute, else the customer's segment)."""
    order = Reconnection
    segment_attribute = aliased(InstanceAttribute)
    segment_code = func.coalesce(segment_attribute.value, Customer.segment_code)
    paid_at = (select(Payment.paid_at).where(Payment.customer_id == order.customer_id, Payment.owed_after_cents <= 0,
                                             Payment.received_at <= order.opened_at)
               .order_by(Payment.received_at.desc(), Payment.id.desc()).limit(1).scalar_subquery())
    query = (select(order.id, order.instance_id, Customer.number, Customer.name, segment_code, order.trigger,
                    order.status, order.outcome, order.opened_at, order.closed_at, order.auto_order_no,
                    order.manual_order_no, case((order.auto_order_no.is_not(None), order.sends), else_=0),
                    case((order.outcome.in_((REMOTE, ON_SITE)), order.reconnected_at)), paid_at)
             .join(Customer, Customer.id == order.customer_id)
             .outerjoin(segment_attribute, and_(segment_attribute.instance_id == order.instance_id,
                                                segment_attribute.name == "segment"))
             .where(order.opened_at < end, or_(order.status == OrderStatus.OPEN, order.closed_at >= start)))
    if segment:
        query = query.where(segment_code == segment)
    return [OrderRow._make(row) for row in session.execute(query)]
