"""The screening screen's reads (M1.1, M1.2): customers counted per combination of the meter facts
screening reads (one GROUP BY that streams through ``ix_customers_meter_facts``), and one page of
the customers whose combination passes (``app/archive/screening_view.py`` judges each combination)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

from sqlalchemy import and_, false, func, or_, select
from sqlalchemy.orm import Session

from storage.domain_models import Customer


class FactsAndFlag(NamedTuple):
    """A customer's meter facts and auto-reconnect flag, as screening reads them."""

    voltage_class: str
    ami_connected: bool
    channel_online: bool
    can_direct_close: bool
    relay_type: str
    auto_reconnect: bool


_FACT_COLUMNS = (Customer.voltage_class, Customer.ami_connected, Customer.channel_online, Customer.can_direct_close,
                 Customer.relay_type, Customer.auto_reconnect)


def count_per_facts(session: Session, segment: str | None) -> dict[FactsAndFlag, int]:
    """How many customers (of ``segment`` when given) have each combination of facts."""
    # grouped by segment first, in the order of ix_customers_meter_facts: the database streams
    # through the index (no sort); the segments' counts are added up here
    query = select(*_FACT_COLUMNS, func.count()).group_by(Customer.segment_code, *_FACT_COLUMNS)
    if segment is not None:
        query = query.where(Customer.segment_code == segment)
    counted: dict[FactsAndFlag, int] = {}
    for row in session.execute(query):
        key = FactsAndFlag(*row[:-1])
        counted[key] = counted.get(key, 0) + row[-1]
    return counted


def page_with_facts(session: Session, wanted: Sequence[FactsAndFlag], segment: str | None, *, limit: int,
                    offset: int) -> Sequence[Customer]:
    """One page, by number, of the customers (of ``segment`` when given) having one of the ``wanted``
    combinations of facts (none wanted: an empty page)."""
    having = (and_(*(column == value for column, value in zip(_FACT_COLUMNS, facts, strict=True)))
              for facts in wanted)
    query = select(Customer).where(or_(false(), *having))
    if segment is not None:
        query = query.where(Customer.segment_code == segment)
    return session.execute(query.order_by(Customer.number).limit(limit).offset(offset)).scalars().all()
