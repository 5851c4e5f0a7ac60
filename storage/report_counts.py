"""The reports' counts as ``GROUP BY``s (issue 14 item 8): disconnections and reconnections per
Beijing day and segment, manual orders opened per day and segment, and automatic orders per
segment by the send that succeeded. Beijing days are computed by the database
(``report_expressions.beijing_day``); the rows are the period's, read through ``report_orders``."""

from __future__ import annotations

from datetime import date, datetime
from typing import NamedTuple

from sqlalchemy import and_, case, func, literal, or_, select
from sqlalchemy.orm import Session, aliased
from sqlalchemy.sql.elements import ColumnElement

from storage.domain_models import Disconnection
from storage.models import Instance, InstanceAttribute
from storage.reconnections import ON_SITE_OUTCOME as ON_SITE
from storage.reconnections import REMOTE_OUTCOME as REMOTE
from storage.report_expressions import beijing_day
from storage.report_orders import ORDER, opened_between, order_segment, remote_sends, restored_at, restored_between
from storage.statuses import InstanceStatus

ALL_FAILED = 0  # the "send" of an automatic order whose remote sends all failed


class DayCount(NamedTuple):
    day: date  # Beijing day
    segment: str
    count: int
    on_site: int  # of ``count``, those done on site (the rest remotely)


class SendCount(NamedTuple):
    segment: str
    send: int  # the send that succeeded (1, 2, …), or ALL_FAILED
    count: int


def _on_site(condition: ColumnElement[bool]) -> ColumnElement[int]:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


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


def reconnections_per_day(session: Session, start: datetime, end: datetime, segment: str | None) -> list[DayCount]:
    """Orders whose power came back at ``start`` ≤ time < ``end``, per Beijing day of that time and segment."""
    day = beijing_day(restored_at)
    query = restored_between(start, end, segment, day, order_segment, func.count(),
                             _on_site(ORDER.outcome == ON_SITE)).group_by(day, order_segment)
    return [DayCount._make(row) for row in session.execute(query)]


def manual_orders_per_day(session: Session, start: datetime, end: datetime, segment: str | None) -> list[DayCount]:
    """Manual orders opened at ``start`` ≤ time < ``end``, per Beijing day of the opening and segment."""
    day = beijing_day(ORDER.opened_at)
    query = (opened_between(start, end, segment, day, order_segment, func.count(), literal(0))
             .where(ORDER.manual_order_no.is_not(None)).group_by(day, order_segment))
    return [DayCount._make(row) for row in session.execute(query)]


def first_attempts(session: Session, start: datetime, end: datetime, segment: str | None) -> list[SendCount]:
    """Automatic orders opened at ``start`` ≤ time < ``end`` whose sends are over (reconnected
    remotely, or followed by a manual order), per segment and the send that succeeded (a
    remote success with no send recorded counts as send 1)."""
    send = case((ORDER.outcome != REMOTE, ALL_FAILED), (remote_sends < 1, 1), else_=remote_sends)
    query = (opened_between(start, end, segment, order_segment, send, func.count())
             .where(ORDER.auto_order_no.is_not(None),
                    or_(ORDER.outcome == REMOTE, ORDER.manual_order_no.is_not(None)))
             .group_by(order_segment, send))
    return [SendCount._make(row) for row in session.execute(query)]
