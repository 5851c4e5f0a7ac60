"""The facts behind the reports, each read from the table that holds it (the sources of truth):

- a **disconnection** is a completed ``disconnect_customer`` instance whose result says
  ``outcome: disconnected``; its time is the result's ``at`` (the head-end's report that the relay
  opened, or the time the executor entered after cutting on site) and ``how`` says which;
- a **reconnection** is a ``reconnections`` row (the order); it is done remotely when its
  ``direct_close`` command in ``meter_commands`` executed with the relay closed (that command's
  ``executed_at`` is the time power came back) and on site when its outcome is
  ``reconnected_on_site`` (the time is the one the reader entered, recorded in the instance's
  history as the ``reconnection.record_reconnected`` call);
- its **sends** are the instance's recorded ``headend.send_command`` calls (a busy meter is a send
  that made no command row — the diagram counts it as a failed send);
- the **payment** is the latest payment of the customer, received before the order opened, that
  left nothing owed (``owed_after_cents <= 0``): the one that cleared the arrears.

Each query reads only the period's rows (plus orders still open) and narrow columns."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.orm import Session, aliased

from app.audit.reports.period import ReportPeriod
from storage.domain_models import Customer, MeterCommand, Payment, Reconnection
from storage.models import HistoryEvent, Instance, InstanceAttribute

DISCONNECT_PROCESS = "disconnect_customer"
SEND_OPERATOR = "headend.send_command"
RECORD_OPERATOR = "reconnection.record_reconnected"
REMOTE, ON_SITE = "reconnected_remote", "reconnected_on_site"


@dataclass(frozen=True)
class Disconnection:
    instance_id: int
    customer: str
    segment: str
    at: datetime
    how: str  # "remote" or "on_site"


@dataclass(frozen=True)
class ReconnectionFact:
    id: int
    instance_id: int | None
    customer: str
    customer_name: str
    segment: str
    trigger: str
    status: str  # open, closed, abandoned
    outcome: str | None
    opened_at: datetime
    closed_at: datetime | None
    auto_order_no: str | None
    manual_order_no: str | None
    sends: int  # remote sends made (0 for an order that went straight to on-site work)
    restored_at: datetime | None  # when power came back (None: not reconnected)
    paid_at: datetime | None  # the payment that cleared the arrears (None: none found)

    @property
    def how(self) -> str | None:
        return {REMOTE: "remote", ON_SITE: "on_site"}.get(self.outcome or "")

    @property
    def automatic_concluded(self) -> bool:
        """An automatic order whose remote sends are over: reconnected remotely, or a manual order followed."""
        return self.auto_order_no is not None and (self.outcome == REMOTE or self.manual_order_no is not None)


def disconnections(session: Session, period: ReportPeriod) -> list[Disconnection]:
    """Customers disconnected during the period (by the disconnection's own time, Beijing days)."""
    segment = aliased(InstanceAttribute)
    query = (select(Instance.id, Instance.result["customer"].as_string(), segment.value,
                    Instance.result["at"].as_string(), Instance.result["how"].as_string())
             .outerjoin(segment, and_(segment.instance_id == Instance.id, segment.name == "segment"))
             .where(Instance.process_id == DISCONNECT_PROCESS, Instance.status == "completed",
                    Instance.ended_at >= period.utc_start,  # recorded at or after it happened
                    Instance.result["outcome"].as_string() == "disconnected"))
    if period.segment:
        query = query.where(segment.value == period.segment)
    found = []
    for instance_id, customer, segment_code, at, how in session.execute(query):
        when = _aware(at)
        if when is not None and period.utc_start <= when < period.utc_end:
            found.append(Disconnection(instance_id, customer or "", segment_code or "", when, how or "remote"))
    return found


def reconnections(session: Session, period: ReportPeriod) -> list[ReconnectionFact]:
    """Every reconnection order opened before the period ended and not closed before it began."""
    order = Reconnection
    segment = aliased(InstanceAttribute)
    segment_code = func.coalesce(segment.value, Customer.segment_code)
    own_close = and_(MeterCommand.customer_id == order.customer_id, MeterCommand.instance_id == order.instance_id,
                     MeterCommand.action == "direct_close")
    remote_at = (select(MeterCommand.executed_at).where(own_close, MeterCommand.status == "executed",
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
             .outerjoin(segment, and_(segment.instance_id == order.instance_id, segment.name == "segment"))
             .where(order.opened_at < period.utc_end, or_(order.status == "open", order.closed_at >= period.utc_start)))
    if period.segment:
        query = query.where(segment_code == period.segment)
    facts = []
    for (order_id, instance_id, number, name, code, trigger, status, outcome, opened_at, closed_at, auto_no,
         manual_no, sent, commanded, remote, on_site, paid) in session.execute(query):
        restored = remote if outcome == REMOTE else _aware(on_site) if outcome == ON_SITE else None
        if restored is None and outcome in (REMOTE, ON_SITE):
            restored = closed_at  # a row without its detail (imported data): the order's close
        facts.append(ReconnectionFact(order_id, instance_id, number, name, code, trigger, status, outcome,
                                      opened_at, closed_at, auto_no, manual_no, max(sent or 0, commanded or 0),
                                      restored, paid))
    return facts


def _aware(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        when = datetime.fromisoformat(text)
    except ValueError:
        return None
    return when if when.tzinfo is not None else None
