"""The rows behind the reports (``app/audit/reports/facts.py`` says what each fact means and turns
these rows into facts): completed disconnections from their records, and reconnection orders with
their sends and restore times (columns the steps keep, issue 14 item 8) and when the payment that
cleared the arrears was paid (kept on the order when it opened). Each query reads only the
period's rows (plus orders still open) and narrow columns: no history JSON, no per-order count
over the commands, no payment lookup."""

from __future__ import annotations

from datetime import datetime
from typing import NamedTuple

from sqlalchemy import and_, case, select
from sqlalchemy.orm import Session, aliased

from storage.domain_models import Customer, Disconnection
from storage.models import Instance, InstanceAttribute
from storage.reconnections import ON_SITE_OUTCOME as ON_SITE
from storage.reconnections import REMOTE_OUTCOME as REMOTE
from storage.report_orders import ORDER, order_segment, overlapping, paid_at, remote_sends
from storage.statuses import InstanceStatus

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
    query = overlapping(start, end, segment, ORDER.id, ORDER.instance_id, Customer.number, Customer.name, order_segment,
                        ORDER.trigger, ORDER.status, ORDER.outcome, ORDER.opened_at, ORDER.closed_at,
                        ORDER.auto_order_no, ORDER.manual_order_no, remote_sends,
                        case((ORDER.outcome.in_((REMOTE, ON_SITE)), ORDER.reconnected_at)), paid_at, customer=True)
    return [OrderRow._make(row) for row in session.execute(query)]
