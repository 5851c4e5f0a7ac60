"""The reports' counts as ``GROUP BY``s (issue 14 item 8). The period's reconnection orders are read
once, into one materialized row each (segment, times, the wait from the clearing payment kept on
the order to power back), and one statement groups them every way the reports need:
reconnections and manual orders per Beijing day and segment, automatic orders per segment by the
send that succeeded, and the waits of the orders reconnected in the period summed up — how many
per length bucket, the waits at the nearest ranks asked for (a window over the ordered waits), the
longest few by order id. No row per order leaves the database. Disconnections are grouped on
their own. Beijing days, waits (whole microseconds) and ranks are computed by the database
(``report_expressions``)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, NamedTuple

from sqlalchemy import CTE, Select, and_, case, func, literal, null, or_, select, union_all
from sqlalchemy.orm import Session, aliased
from sqlalchemy.sql.elements import ColumnElement

from storage.domain_models import Disconnection
from storage.models import Instance, InstanceAttribute
from storage.reconnections import ON_SITE_OUTCOME as ON_SITE
from storage.reconnections import REMOTE_OUTCOME as REMOTE
from storage.report_expressions import beijing_day, codepoint_order, microseconds_between, nearest_rank_position
from storage.report_orders import ORDER, order_segment, overlapping, paid_at, remote_sends, restored_at
from storage.statuses import InstanceStatus

ALL_FAILED = 0  # the "send" of an automatic order whose remote sends all failed
WITHOUT_PAYMENT = -1  # the "bucket" of an order reconnected without a clearing payment


class DayCount(NamedTuple):
    day: date  # Beijing day
    segment: str
    orders: int
    on_site: int  # of ``orders``, those done on site (the rest remotely)


class SendCount(NamedTuple):
    segment: str
    send: int  # the send that succeeded (1, 2, …), or ALL_FAILED
    orders: int


class WaitQuestion(NamedTuple):
    """What the reports ask of the payment waits (whole microseconds)."""

    limits: tuple[int, ...]  # bucket limits, ascending: a wait falls in the first it does not exceed
    percents: tuple[int, ...]  # nearest-rank percentiles
    over: int  # the long waits named one by one are over this
    longest: int | None  # how many of them to name, longest first (None: none; the caller streams them all)


# a long wait: microseconds from the clearing payment to power back, the order's number (the manual
# order's, else the automatic one's) and id
Wait = tuple[int, str, int]


class Waits(NamedTuple):
    """The payment waits of the orders reconnected in the period."""

    buckets: list[int]  # per limit, the waits up to it (over the one before); then those over the last
    without_payment: int  # reconnected in the period without a clearing payment
    at_rank: dict[int, int]  # the nearest ranks of the percentiles asked (1-based, ascending) → their wait
    longest: list[Wait]  # the longest over ``over``, longest first (then by number), as many as asked


class OrderCounts(NamedTuple):
    reconnected: list[DayCount]  # per Beijing day power came back in the period
    manual: list[DayCount]  # manual orders per Beijing day opened in the period
    sends: list[SendCount]  # concluded automatic orders opened in the period
    waits: Waits  # of every order reconnected in the period


def _on_site(condition: ColumnElement[bool]) -> ColumnElement[int]:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def order_counts(session: Session, start: datetime, end: datetime, segment: str | None,
                 question: WaitQuestion) -> OrderCounts:
    """The counts of the orders overlapping ``start`` … ``end`` (in ``segment`` when given), and
    what ``question`` asks of the payment waits of those reconnected in the period: no row per
    order leaves the database."""
    in_period = and_(restored_at >= start, restored_at < end)
    # materialized: the period's orders are read once, each order's wait computed once, for the groupings
    orders = overlapping(start, end, segment, ORDER.id.label("id"), order_segment.label("segment"),
                         ORDER.outcome.label("outcome"), ORDER.opened_at.label("opened_at"),
                         restored_at.label("restored_at"),
                         case((in_period, microseconds_between(restored_at, paid_at))).label("wait"),
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
        *_wait_summaries(orders, restored, question),
    )
    found = OrderCounts([], [], [], Waits([0] * (len(question.limits) + 1), 0, {}, []))
    without_payment = 0
    for kind, day, text, key, count, on_site in session.execute(statement).all():
        if kind == "bucket" and key == WITHOUT_PAYMENT:
            without_payment = count
        elif kind == "bucket":
            found.waits.buckets[key] = count
        elif kind == "rank":
            found.waits.at_rank[key] = count
        elif kind == "long":
            found.waits.longest.append((count, text, key))
        elif kind == "sends":
            found.sends.append(SendCount(text, key, count))
        else:
            (found.reconnected if kind == "reconnected" else found.manual).append(
                DayCount(as_date(day), text, count, on_site))
    found.waits.longest.sort(key=lambda wait: (-wait[0], wait[1]))  # a union's rows come in no promised order
    return found._replace(waits=found.waits._replace(without_payment=without_payment))


def _wait_summaries(orders: CTE, restored: ColumnElement[bool], question: WaitQuestion) -> list[Select[Any]]:
    """Rows (kind, NULL, number, key, value, 0) summing up the waits: per bucket (key: its index,
    or WITHOUT_PAYMENT) how many; per nearest rank asked (key: the rank) the wait; the longest
    (key: the order's id) their wait."""
    o = orders.c
    bucket = case((o.wait.is_(None), WITHOUT_PAYMENT),
                  *((o.wait <= limit, n) for n, limit in enumerate(question.limits)), else_=len(question.limits))
    ranked = select(o.wait, func.row_number().over(order_by=o.wait).label("rank"),
                    func.count().over().label("waits")).where(o.wait.is_not(None)).subquery("ranked")
    r = ranked.c
    summaries = [
        select(literal("bucket"), null(), null(), bucket, func.count(), literal(0)).where(restored).group_by(bucket),
        select(literal("rank"), null(), null(), r.rank, r.wait, literal(0))
        .where(or_(*(r.rank == nearest_rank_position(r.waits, percent) for percent in question.percents))),
    ]
    if question.longest is not None:
        number = func.coalesce(o.manual_order_no, o.auto_order_no, "")
        longest = (select(number.label("number"), o.id, o.wait).where(o.wait > question.over)
                   .order_by(o.wait.desc(), codepoint_order(number)).limit(question.longest).subquery("longest"))
        summaries.append(select(literal("long"), null(), longest.c.number, longest.c.id, longest.c.wait, literal(0)))
    return summaries


def as_date(day: date | str) -> date:
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

