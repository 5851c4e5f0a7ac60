"""Customer search for the operators' screens: filters, a stable sort and one page at a time.

Every filter is optional; text filters match literally (``%`` and ``_`` are not wildcards).
A page costs two queries (the rows, the count) whatever the size of the archive.

The disconnection application's search (M4.1) finds connected customers in arrears, with their
segment's reader (``ArrearsRow``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, NamedTuple

from sqlalchemy import ColumnElement, Select, func, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from storage.domain_models import Customer, Segment, SmsSubscription
from storage.paging import page_count
from storage.statuses import PowerStatus

SORTS: dict[str, InstrumentedAttribute[Any]] = {
    "number": Customer.number, "name": Customer.name, "segment": Customer.segment_code, "owed": Customer.owed_cents,
    "overdue_since": Customer.overdue_since, "power_status": Customer.power_status,
    "power_status_since": Customer.power_status_since,
}


@dataclass(frozen=True)
class CustomerFilter:
    """What to look for; None leaves a criterion out.

    ``number`` and ``meter_address`` match from the start, ``name`` anywhere in the name;
    ``owing`` keeps customers who owe (True) or owe nothing (False); ``auto_reconnect`` the
    flagged (True) or unflagged (False) ones.
    """

    number: str | None = None
    name: str | None = None
    meter_address: str | None = None
    segment: str | None = None
    power_status: str | None = None
    owing: bool | None = None
    auto_reconnect: bool | None = None


@dataclass(frozen=True)
class CustomerPage:
    customers: list[Customer]
    subscriptions: dict[int, set[str]]  # customer id → the notice types subscribed
    total: int
    page: int
    size: int

    @property
    def pages(self) -> int:
        return page_count(self.total, self.size)


def _conditions(wanted: CustomerFilter) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    if wanted.number:
        conditions.append(Customer.number.startswith(wanted.number, autoescape=True))
    if wanted.name:
        conditions.append(Customer.name.icontains(wanted.name, autoescape=True))
    if wanted.meter_address:
        conditions.append(Customer.meter_address.startswith(wanted.meter_address, autoescape=True))
    if wanted.segment:
        conditions.append(Customer.segment_code == wanted.segment)
    if wanted.power_status:
        conditions.append(Customer.power_status == wanted.power_status)
    if wanted.owing is not None:
        conditions.append(Customer.owed_cents > 0 if wanted.owing else Customer.owed_cents <= 0)
    if wanted.auto_reconnect is not None:
        conditions.append(Customer.auto_reconnect.is_(wanted.auto_reconnect))
    return conditions


def _ordered(query: Select[Customer], sort: str, descending: bool) -> Select[Customer]:
    if sort not in SORTS:
        raise ValueError(f"unknown sort {sort!r}; sort by one of {', '.join(SORTS)}")
    column = SORTS[sort]
    key = column.desc() if descending else column.asc()
    return query.order_by(key, Customer.number.desc() if descending else Customer.number.asc())


def search_customers(session: Session, wanted: CustomerFilter, *, sort: str = "number", descending: bool = False,
                     page: int = 1, size: int = 50) -> CustomerPage:
    """One page (1-based) of the customers matching ``wanted``, sorted by ``sort`` (a key of
    ``SORTS``; ties by number), with each one's SMS subscriptions and the total count."""
    conditions = _conditions(wanted)
    query = _ordered(select(Customer).where(*conditions), sort, descending)
    customers = list(session.execute(query.limit(size).offset((page - 1) * size)).scalars())
    total = session.execute(select(func.count()).select_from(Customer).where(*conditions)).scalar_one()
    return CustomerPage(customers, subscriptions_of(session, [c.id for c in customers]), total, page, size)


def subscriptions_of(session: Session, customer_ids: Sequence[int]) -> dict[int, set[str]]:
    """The notice types each of ``customer_ids`` subscribed to (every id present, maybe empty)."""
    found: dict[int, set[str]] = {customer_id: set() for customer_id in customer_ids}
    if customer_ids:
        rows = session.execute(select(SmsSubscription.customer_id, SmsSubscription.notice_type)
                               .where(SmsSubscription.customer_id.in_(list(customer_ids))))
        for customer_id, notice_type in rows:
            found[customer_id].add(notice_type)
    return found


class ArrearsRow(NamedTuple):
    """A customer as the disconnection forms show them: arrears, supply, protection, segment and reader."""

    number: str
    name: str
    address: str
    segment_code: str
    reader_username: str | None
    owed_cents: int
    overdue_since: date | None
    power_status: str
    power_status_since: datetime
    protected_kind: str | None
    protected_reason: str | None


_ARREARS_ROW = (select(Customer.number, Customer.name, Customer.address, Customer.segment_code,
                       Segment.reader_username, Customer.owed_cents, Customer.overdue_since, Customer.power_status,
                       Customer.power_status_since, Customer.protected_kind, Customer.protected_reason)
                .join(Segment, Segment.code == Customer.segment_code))


def in_arrears(session: Session, *, least_cents: int, number: str = "", segment: str = "", reader: str = "",
               limit: int) -> tuple[list[ArrearsRow], int]:
    """Connected customers owing at least ``least_cents`` (number from the start, segment and reader
    when given), largest arrears first: the first ``limit`` of them, and how many match in all."""
    query = _ARREARS_ROW.where(Customer.owed_cents >= least_cents, Customer.power_status == PowerStatus.CONNECTED)
    if number:
        query = query.where(Customer.number.startswith(number, autoescape=True))
    if segment:
        query = query.where(Customer.segment_code == segment)
    if reader:
        query = query.where(Segment.reader_username == reader)
    total = session.execute(select(func.count()).select_from(query.subquery())).scalar_one()
    rows = session.execute(query.order_by(Customer.owed_cents.desc(), Customer.number).limit(limit))
    return [ArrearsRow._make(row) for row in rows], total


def arrears_rows(session: Session, numbers: Iterable[str]) -> dict[str, ArrearsRow]:
    """The customers among ``numbers`` that exist, by number."""
    rows = session.execute(_ARREARS_ROW.where(Customer.number.in_(list(numbers))))
    return {row.number: ArrearsRow._make(row) for row in rows}
