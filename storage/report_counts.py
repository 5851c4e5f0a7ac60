"""The reports' counts as ``GROUP BY``s (issue 14 item 8). The period's reconnection orders are read
once, into one materialized row each (segment, times, when the clearing payment kept on the order
was paid), and one statement groups them every way the reports need: reconnections and manual
orders per Beijing day and segment, automatic orders per segment by the send that succeeded, the
payment wait of each order reconnected in the period (one integer each, with the order's id and
number). Disconnections are grouped on their own.
Beijing days and waits (whole microseconds) are computed by the database (``report_expressions``)."""

from __future__ import annotations

from datetime import date, datetime
from typing import NamedTuple

from sqlalchemy import and_, case, func, literal, null, or_, select, union_all
from sqlalchemy.orm import Session, aliased
from sqlalchemy.sql.elements import ColumnElement

from storage.domain_models import Disconnection
from storage.models import Instance, InstanceAttribute
from storage.reconnections import ON_SITE_OUTCOME as ON_SITE
from storage.reconnections import REMOTE_OUTCOME as REMOTE
from storage.report_expressions import beijing_day, microseconds_between
from storage.report_orders import ORDER, order_segment, overlapping, paid_at, remote_sends, restored_at
from storage.statuses import InstanceStatus

ALL_FAILED = 0  # the "send" of an automatic order whose remote sends all failed


class DayCount(NamedTuple):
    day: date  # Beijing day
    segment: str
    orders: int
    on_site: int  # of ``orders``, those done on site (the rest remotely)


class SendCount(NamedTuple):
    segment: str
    send: int  # the send that succeeded (1, 2, …), or ALL_FAILED
    orders: int


# an order reconnected in the period: microseconds from the clearing payment to power back (None:
# no such payment), the order's number (the manual order's, else the automatic one's) and id
Wait = tuple[int | None, str, int]


class OrderCounts(NamedTuple):
    reconnected: list[DayCount]  # per Beijing day power came back in the period
    manual: list[DayCount]  # manual orders per Beijing day opened in the period
    sends: list[SendCount]  # concluded automatic orders opened in the period
    waits: list[Wait]  # every order reconnected in the period


def _on_site(condition: ColumnElement[bool]) -> ColumnElement[int]:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def order_counts(session: Session, start: datetime, end: datetime, segment: str | None) -> OrderCounts:
    """The counts of the orders overlapping ``start`` … ``end`` (in ``segment`` when given), and
    the payment wait of each order reconnected in the period (one integer: the median, p95 and
    buckets need nothing else; the order's id and number name the longest)."""
    in_period = and_(restored_at >= start, restored_at < end)
    # materialized: the period's orders are read once for the four groupings
    orders = overlapping(start, end, segment, ORDER.id.label("id"), order_segment.label("segment"),
                         ORDER.outcome.label("outcome"), ORDER.opened_at.label("opened_at"),
                         restored_at.label("restored_at"), case((in_period, paid_at)).label("paid_at"),
                         ORDER.auto_order_no.label("auto_order_no"), ORDER.manual_order_no.label("manual_order_no"),
                         remote_sends.label("sends")).cte("period_orders").prefix_with("MATERIALIZED")
    o = orders.c
    restored = and_(o.restored_at >= start, o.restored_at < end)
    send = case((o.outcome != REMOTE, ALL_FAILED), (o.sends < 1, 1), else_=o.sends)
    day_restored, day_opened = beijing_day(o.restored_at), beijing_day(o.opened_at)
    statement = union_all(
        select(literal("reconnected"), day_restored, o.segment, literal(0), func.count(),
               _on_site(o.outcome == ON_SITE)).where(restored).group_by(day_restored, o.segment),
        select(literal("manual"), day_opened, o.segment, literal(0), func.count(), literal(0))
        .where(o.manual_order_no.is_not(None), o.opened_at >= start).group_by(day_opened, o.segment),
        select(literal("sends"), null(), o.segment, send, func.count(), literal(0))
        .where(o.auto_order_no.is_not(None), or_(o.outcome == REMOTE, o.manual_order_no.is_not(None)),
               o.opened_at >= start).group_by(o.segment, send),
        select(literal("wait"), null(), func.coalesce(o.manual_order_no, o.auto_order_no, ""), o.id,
               microseconds_between(o.restored_at, o.paid_at), literal(0)).where(restored),
    )
    found = OrderCounts([], [], [], [])
    for kind, day, text, key, count, on_site in session.execute(statement).all():
        if kind == "wait":
            found.waits.append((count, text, key))
        elif kind == "sends":
            found.sends.append(SendCount(text, key, count))
        else:
            (found.reconnected if kind == "reconnected" else found.manual).append(
                DayCount(_date(day), text, count, on_site))
    return found


def _date(day: date | str) -> date:
    return day if isinstance(day, date) else date.fromisoformat(day)  # SQLite's date() is text


def disconnections_per_day(session: Session, start: datetime, end: datetime, segment: str | None) -> list[DayCount]:
    """Disconnections of completed instances at ``start`` ≤ time < ``end`` per Beijing day and
    segment (the instance's segment attribute; "" when it has none)."""
    attribute = aliased(InstanceAttribute)
    day, segment_code = beijing_day(Disconnection.at), func.coalesce(attribute.value, "")
    query = (select(day, segment_code, func.count(), _on_site(Disconnection.how == "on_site"))
             .join(Instance, Instance.id == Disconnection.instance_id)
             .outerjoin(attribute, and_(attribute.instance_id == Disconnection.instance_id,
                                        attribute.name == "segment"))
             .where(Disconnection.at >= start, Disconnection.at < end, Instance.status == InstanceStatus.COMPLETED)
             .group_by(day, segment_code))
    if segment:
        query = query.where(attribute.value == segment)
    return [DayCount._make(row) for row in session.execute(query)]

