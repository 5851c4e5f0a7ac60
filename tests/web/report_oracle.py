"""The reports' facts computed the way they were before issue 14 item 8 — from the instances'
result JSON, the history's recorded calls and the meter commands, per order — kept as the oracle
the column-based computation must equal (``test_report_columns.py``)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.orm import Session, aliased

from app.audit.reports.facts import Disconnection, ReconnectionFact
from app.audit.reports.period import ReportPeriod
from storage.domain_models import Customer, MeterCommand, Payment, Reconnection
from storage.models import HistoryEvent, Instance, InstanceAttribute

REMOTE, ON_SITE = "reconnected_remote", "reconnected_on_site"


def disconnections(session: Session, period: ReportPeriod) -> list[Disconnection]:
    segment_attribute = aliased(InstanceAttribute)
    query = (select(Instance.id, Instance.result["customer"].as_string(), segment_attribute.value,
                    Instance.result["at"].as_string(), Instance.result["how"].as_string())
             .outerjoin(segment_attribute, and_(segment_attribute.instance_id == Instance.id,
                                                segment_attribute.name == "segment"))
             .where(Instance.process_id == "disconnect_customer", Instance.status == "completed",
                    Instance.ended_at >= period.utc_start, Instance.result["outcome"].as_string() == "disconnected"))
    if period.segment:
        query = query.where(segment_attribute.value == period.segment)
    found = []
    for instance_id, customer, segment, at, how in session.execute(query):
        when = _aware(at)
        if when is not None and period.utc_start <= when < period.utc_end:
            found.append(Disconnection(instance_id, customer or "", segment or "", when, how or "remote"))
    return found


def reconnections(session: Session, period: ReportPeriod) -> list[ReconnectionFact]:
    order = Reconnection
    segment_attribute = aliased(InstanceAttribute)
    segment_code = func.coalesce(segment_attribute.value, Customer.segment_code)
    own_close = and_(MeterCommand.customer_id == order.customer_id, MeterCommand.instance_id == order.instance_id,
                     MeterCommand.action == "direct_close")
    remote_at = (select(MeterCommand.executed_at).where(own_close, MeterCommand.status == "executed",
                                                        MeterCommand.relay == "closed")
                 .order_by(MeterCommand.executed_at).limit(1).scalar_subquery())
    commands = select(func.count()).where(own_close).scalar_subquery()
    called = and_(HistoryEvent.instance_id == order.instance_id, HistoryEvent.type == "service.called")
    sends = (select(func.count()).where(called, HistoryEvent.data["operator"].as_string() == "headend.send_command")
             .scalar_subquery())
    on_site_at = (select(HistoryEvent.data[("result", "reconnected_at")].as_string())
                  .where(called, HistoryEvent.data["operator"].as_string() == "reconnection.record_reconnected")
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
             .where(order.opened_at < period.utc_end,
                    or_(order.status == "open", order.closed_at >= period.utc_start)))
    if period.segment:
        query = query.where(segment_code == period.segment)
    facts = []
    for row in session.execute(query):
        (id_, instance_id, customer, name, segment, trigger, status, outcome, opened, closed, auto_no, manual_no,
         sent, made, remote, on_site, paid) = row
        restored = remote if outcome == REMOTE else _aware(on_site) if outcome == ON_SITE else None
        if restored is None and outcome in (REMOTE, ON_SITE):
            restored = closed
        facts.append(ReconnectionFact(id_, instance_id, customer, name, segment, trigger, status, outcome, opened,
                                      closed, auto_no, manual_no, max(sent or 0, made or 0), restored, paid))
    return facts


def _aware(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        when = datetime.fromisoformat(text)
    except ValueError:
        return None
    return when if when.tzinfo is not None else None
