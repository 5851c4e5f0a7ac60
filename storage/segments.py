"""Meter-reading segments and their readers (repository functions that take a Session)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.domain_models import Customer, Segment


def find(session: Session, code: str, *, lock: bool = False) -> Segment | None:
    """The segment ``code`` (row-locked for the transaction when ``lock``), or None."""
    query = select(Segment).where(Segment.code == code)
    return session.execute(query.with_for_update() if lock else query).scalar_one_or_none()


def all_segments(session: Session) -> Sequence[Segment]:
    """Every segment, by code."""
    return session.execute(select(Segment).order_by(Segment.code)).scalars().all()


def codes(session: Session) -> set[str]:
    return set(session.execute(select(Segment.code)).scalars())


def names(session: Session) -> list[tuple[str, str]]:
    """(code, name) of every segment, by code."""
    return [(code, name) for code, name in session.execute(select(Segment.code, Segment.name).order_by(Segment.code))]


def readers(session: Session) -> list[tuple[str, str | None]]:
    """(code, reader's username) of every segment, by code."""
    return [(code, reader) for code, reader in session.execute(
        select(Segment.code, Segment.reader_username).order_by(Segment.code))]


def read_by(session: Session, username: str) -> list[str]:
    """The codes of the segments ``username`` reads (none: they are no segment's reader)."""
    return list(session.execute(select(Segment.code).where(Segment.reader_username == username)
                                .order_by(Segment.code)).scalars())


def reader_mobile_of_customer(session: Session, customer_number: str) -> str | None:
    """The mobile of the reader of the customer's segment (None: no such customer, or no mobile)."""
    return session.execute(select(Segment.reader_mobile).join(Customer, Customer.segment_code == Segment.code)
                           .where(Customer.number == customer_number)).scalar_one_or_none()


def add(session: Session, code: str, name: str, reader_username: str | None, reader_mobile: str | None) -> None:
    session.add(Segment(code=code, name=name, reader_username=reader_username, reader_mobile=reader_mobile))
