"""Which recorded cases a rehearsal runs on (issue 12 item 5): the last N ended cases of a process,
those that ended within a time range, or the ended cases of a list of customers (by the
``customer`` attribute the process sets). Ids only, oldest first: the rehearsal reads the cases
themselves a chunk at a time (``storage.replay_rows``)."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from storage.models import Instance, InstanceAttribute
from storage.statuses import ENDED_INSTANCE

CUSTOMER_ATTRIBUTE = "customer"


def _ended(process_id: str) -> Select[int]:
    # a batch's children are cases too: disconnect_customer is rehearsed on the children that ran it
    return select(Instance.id).where(Instance.process_id == process_id,
                                     Instance.status.in_([status.value for status in ENDED_INSTANCE]))


def last_ended(session: Session, process_id: str, count: int) -> list[int]:
    """The ``count`` cases of the process that ended last."""
    found = session.execute(_ended(process_id).order_by(Instance.ended_at.desc(), Instance.id.desc())
                            .limit(count)).scalars()
    return sorted(found)


def ended_between(session: Session, process_id: str, start: datetime, end: datetime, limit: int) -> list[int]:
    """The cases of the process that ended at or after ``start`` and before ``end`` (at most ``limit``)."""
    found = session.execute(_ended(process_id).where(Instance.ended_at >= start, Instance.ended_at < end)
                            .order_by(Instance.id).limit(limit)).scalars()
    return list(found)


def of_customers(session: Session, process_id: str, customers: Collection[str], limit: int) -> list[int]:
    """The ended cases of the process that concern any of these customers (at most ``limit``)."""
    found = session.execute(_ended(process_id).join(InstanceAttribute, InstanceAttribute.instance_id == Instance.id)
                            .where(InstanceAttribute.name == CUSTOMER_ATTRIBUTE,
                                   InstanceAttribute.value.in_(list(customers)))
                            .order_by(Instance.id).limit(limit)).scalars()
    return list(dict.fromkeys(found))
