"""The rows behind the reports (``app/audit/reports/facts.py`` says what each fact means and turns
these rows into facts): completed disconnections with their results, and reconnection orders with
their sends, commands, restore times and the payment that cleared the arrears. Each query reads
only the period's rows (plus orders still open) and narrow columns."""

from __future__ import annotations

from datetime import datetime
from typing import NamedTuple

from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.orm import Session, aliased

from storage.domain_models import Customer, MeterCommand, Payment, Reconnection
from storage.models import HistoryEvent, Instance, InstanceAttribute
from storage.statuses import CommandStatus, InstanceStatus, OrderStatus

DISCONNECT_PROCESS = "disconnect_customer"
SEND_OPERATOR = "headend.send_command"
RECORD_OPERATOR = "reconnection.record_reconnected"
REMOTE, ON_SITE = "reconnected_remote", "reconnected_on_site"  # a closed order's outcomes


class DisconnectionRow(NamedTuple):
    instance_id: int
    customer: str | None
    segment: str | None
    at: str | None  # ISO text from the instance's result
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
    sends: int | None  # the recorded send calls (automatic orders; else 0)
    commands: int | None  # the order's direct_close commands (automatic orders; else 0)
    remote_at: datetime | None  # its direct_close executed with the relay closed (outcome remote)
    on_site_at: str | None  # ISO text the reader entered (outcome on site)
    paid_at: datetime | None


def disconnections_since(session: Session, ended_from: datetime, segment: str | None) -> list[DisconnectionRow]:
    """Completed ``disconnect_customer`` instances whose result says ``disconnected``, recorded at or
    after ``ended_from`` (in ``segment`` when given)."""
    segment_attribute = aliased(InstanceAttribute)
    query = (select(Instance.id, Instance.result["customer"].as_string(), segment_attribute.value,
                    Instance.result["at"].as_string(), Instance.result["how"].as_string())
             .outerjoin(segment_attribute, and_(segment_attribute.instance_id == Instance.id,
                                                segment_attribute.name == "segment"))
             .where(Instance.process_id == DISCONNECT_PROCESS, Instance.status == InstanceStatus.COMPLETED,
                    Instance.ended_at >= ended_from,  # recorded at or after it happened
                    Instance.result["outcome"].as_string() == "disconnected"))
    if segment:
        query = query.where(segment_attribute.value == segment)
    return [DisconnectionRow._make(row) for row in session.execute(query)]


def orders_overlapping(session: Session, start: datetime, end: datetime, segment: str | None) -> list[OrderRow]:
    """Every reconnection order opened before ``end`` and not closed before ``start`` (in ``segment``
    when given: the instance's segment attribute, else the customer's segment)."""
    order = Reconnection
    segment_attribute = aliased(InstanceAttribute)
    segment_code = func.coalesce(segment_attribute.value, Customer.segment_code)
    own_close = and_(MeterCommand.customer_id == order.customer_id, MeterCommand.instance_id == order.instance_id,
                     MeterCommand.action == "direct_close")
    remote_at = (select(MeterCommand.executed_at).where(own_close, MeterCommand.status == CommandStatus.EXECUTED,
                                                        MeterCommand.relay == "closed")
                 .order_by(MeterCommand.executed_at).limit(1).scalar_subquery())
    commands = select(func.count()).where(own_close).scalar_subquery()
    called = and_(HistoryEvent.instance_id == order.instance_id, HistoryEvent.type == "service.called")
    sends = (select(func.count()).where(called, HistoryEvent.data["operator"].as_string() == SEND_OPERATOR)
             .scalar_subquery())
    on_site_at = (select(HistoryEvent.data[("result", "reconnected_at")].as_string())
                  .where(called, HistoryEvent.data["operator"].as_string() == RECORD_OPERATOR)
                  .order_by(HistoryEvent.seq.desc()).limit(1).scalar_subquery())
    paid_at = (select(Payment.paid_at).where(Payment.customer_id == order.customer_id, Payment.owed_after_cents <= 0,
                                             Payment.received_at <= order.opened_at)
               .order_by(Payment.received_at.desc(), Payment.id.desc()).limit(1).scalar_subquery())
    query = (select(order.id, order.instance_id, Customer.number, Customer.name, segment_code, order.trigger,
                    order.status, order.outcome, order.opened_at, order.closed_at, order.auto_order_no,
                    order.manual_order_no, case((order.auto_order_no.is_not(None), sends), else_=0),
                    case((order.auto_order_no.is_not(None), commands), else_=0),
                    case((order.outcome == REMOTE, remote_at)), case((order.outcome == ON_SITE, on_site_at)), paid_at)
             .join(Customer, Customer.id == order.customer_id)
             .outerjoin(segment_attribute, and_(segment_attribute.instance_id == order.instance_id,
                                                segment_attribute.name == "segment"))
             .where(order.opened_at < end, or_(order.status == OrderStatus.OPEN, order.closed_at >= start)))
    if segment:
        query = query.where(segment_code == segment)
    return [OrderRow._make(row) for row in session.execute(query)]
