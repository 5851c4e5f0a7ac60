"""The reconnection orders a report covers and the expressions its queries share: every order
opened before the period ended and not closed before it began (``report_facts``,
``report_counts`` and ``report_cases`` read through this one ``select``); and the session setting
the reports' statements want on PostgreSQL (``without_jit``)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Select, and_, case, func, or_, select, text
from sqlalchemy.orm import Session, aliased

from storage.domain_models import Customer, Reconnection
from storage.models import InstanceAttribute
from storage.reconnections import ON_SITE_OUTCOME as ON_SITE
from storage.reconnections import REMOTE_OUTCOME as REMOTE
from storage.statuses import OrderStatus

ORDER = Reconnection
segment_attribute = aliased(InstanceAttribute, name="segment_attribute")
owner = aliased(Customer, name="owner")
# the segment the process recorded, else the customer's (looked up only for an order without one:
# COALESCE stops at its first value, so a count need not join a million customers)
order_segment = func.coalesce(segment_attribute.value, select(owner.segment_code)
                              .where(owner.id == ORDER.customer_id).scalar_subquery())
# remote sends of an automatic order (an order that went straight to on-site work made none)
remote_sends = case((ORDER.auto_order_no.is_not(None), ORDER.sends), else_=0)
# when power came back: the column the steps keep, else (imported rows without it) the order's close
restored_at = case((ORDER.outcome.in_((REMOTE, ON_SITE)), func.coalesce(ORDER.reconnected_at, ORDER.closed_at)))
# when the payment that cleared the arrears was paid: kept on the order when it opened
paid_at = ORDER.paid_at


def without_jit(session: Session) -> None:
    """PostgreSQL: no JIT compilation for the rest of this transaction. The planner prices the
    reports' statements high (they read ~100,000 orders) and compiled them for ~0.5 s each,
    longer than they then run."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SET LOCAL jit = off"))


def orders(*columns: Any, customer: bool = False) -> Select[Any]:
    """``columns`` of every order, with its segment attribute (and customer when ``customer``) joined."""
    query = select(*columns).select_from(ORDER)
    if customer:
        query = query.join(Customer, Customer.id == ORDER.customer_id)
    return query.outerjoin(segment_attribute, and_(segment_attribute.instance_id == ORDER.instance_id,
                                                   segment_attribute.name == "segment"))


def overlapping(start: datetime, end: datetime, segment: str | None, *columns: Any,
                customer: bool = False) -> Select[Any]:
    """``columns`` of every order opened before ``end`` and not closed before ``start`` (in
    ``segment`` when given), joined to its customer when ``customer`` (for its columns)."""
    query = orders(*columns, customer=customer).where(
        ORDER.opened_at < end, or_(ORDER.status == OrderStatus.OPEN, ORDER.closed_at >= start))
    return query.where(order_segment == segment) if segment else query


def restored_between(start: datetime, end: datetime, segment: str | None, *columns: Any,
                     customer: bool = False) -> Select[Any]:
    """The overlapping orders whose power came back at ``start`` ≤ time < ``end``."""
    return overlapping(start, end, segment, *columns, customer=customer).where(restored_at >= start,
                                                                              restored_at < end)


def opened_between(start: datetime, end: datetime, segment: str | None, *columns: Any,
                   customer: bool = False) -> Select[Any]:
    """The overlapping orders opened at ``start`` ≤ time < ``end``."""
    return overlapping(start, end, segment, *columns, customer=customer).where(ORDER.opened_at >= start)
