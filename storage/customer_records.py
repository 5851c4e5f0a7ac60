"""Everything recorded about one customer, for the customer's page: the process instances of
their cases (which ones: ``storage.customer_cases``), their reconnection orders, meter commands, payments,
service SMS and the archive history of their data. Each query is indexed and bounded by ``limit``,
newest first."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import and_, select
from sqlalchemy.orm import Session

from storage.domain_models import MeterCommand, Payment, Reconnection
from storage.history_store import SUBJECT_STREAM
from storage.models import HistoryEvent, HistorySubject, Instance, OutboxMessage

ARCHIVE_STREAM = SUBJECT_STREAM


def instances_by_id(session: Session, ids: Sequence[int]) -> dict[int, Instance]:
    if not ids:
        return {}
    return {row.id: row for row in session.execute(select(Instance).where(Instance.id.in_(list(ids)))).scalars()}


def reconnections_of(session: Session, customer_id: int, limit: int) -> list[Reconnection]:
    query = select(Reconnection).where(Reconnection.customer_id == customer_id).order_by(Reconnection.id.desc())
    return list(session.execute(query.limit(limit)).scalars())


def commands_of(session: Session, customer_id: int, limit: int) -> list[MeterCommand]:
    query = select(MeterCommand).where(MeterCommand.customer_id == customer_id).order_by(MeterCommand.id.desc())
    return list(session.execute(query.limit(limit)).scalars())


def payments_of(session: Session, customer_id: int, limit: int) -> list[Payment]:
    query = select(Payment).where(Payment.customer_id == customer_id).order_by(Payment.id.desc())
    return list(session.execute(query.limit(limit)).scalars())


def archive_events_about(session: Session, key: str, value: str, limit: int) -> list[HistoryEvent]:
    """Events of the ``archive`` history stream whose data names ``key`` = ``value`` (a customer
    number under ``customer``, a segment code under ``segment``), newest first."""
    # through the subjects' index (issue 14 item 9), not a scan of every archive event's JSON
    query = (select(HistoryEvent).join(HistorySubject, and_(HistorySubject.stream == HistoryEvent.stream,
                                                            HistorySubject.seq == HistoryEvent.seq))
             .where(HistorySubject.key == key, HistorySubject.value == value, HistorySubject.stream == ARCHIVE_STREAM)
             .order_by(HistorySubject.seq.desc()).limit(limit))
    return list(session.execute(query).scalars())


def sms_about(session: Session, customer_number: str, instance_ids: Sequence[int], limit: int) -> list[OutboxMessage]:
    """Service SMS about this customer queued by those instances, newest first: to the customer
    (notices) or to the segment's reader (a failed reconnection). A notice's idempotency key ends
    with the customer's number (``handlers.sms``), which tells one batch's customers apart."""
    if not instance_ids:
        return []
    query = (select(OutboxMessage).where(OutboxMessage.adapter == "sms",
                                         OutboxMessage.instance_id.in_(list(instance_ids)),
                                         OutboxMessage.idempotency_key.endswith(f":{customer_number}", autoescape=True))
             .order_by(OutboxMessage.id.desc()).limit(limit))
    return list(session.execute(query).scalars())
