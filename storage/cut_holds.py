"""What holds cuts back besides the decision table (issue 16 items 1 and 5): the working-day
calendar, weather moratoria per segment and the global stop. A sysadmin keeps all three; the
disconnection flow reads them as facts for the cut-window table, and the outbox's check before a
trip leaves reads the global stop.

``calendar_days`` holds one row per day the calendar covers, with the official kind of the day
(``working``, ``weekend``, ``holiday``) and, for holidays and adjusted working days, the
holiday's name. A day with no row is outside the calendar: no cut is decided on it.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, String, Text, func, or_, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from storage.db import insert_or_ignore
from storage.models import ID, Base

DAY_KINDS = ("working", "weekend", "holiday")
MORATORIUM_KINDS = ("heat", "cold", "other")


class CalendarDay(Base):
    """One day of the working-day calendar."""

    __tablename__ = "calendar_days"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))  # working, weekend, holiday
    name: Mapped[str | None] = mapped_column(String(64))  # the holiday, also on its adjusted working days
    source: Mapped[str] = mapped_column(String(64))  # "chinese-calendar 1.11.0", or who changed it
    changed_at: Mapped[datetime]


class Moratorium(Base):
    """No cuts in a segment (or everywhere, ``segment_code`` empty) from ``starts_on`` to ``ends_on``
    inclusive, local dates: a heat or cold alert, say. Lifting it early keeps the row."""

    __tablename__ = "moratoria"

    id: Mapped[int] = mapped_column(ID, primary_key=True)
    segment_code: Mapped[str | None] = mapped_column(ForeignKey("segments.code"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(Text)
    set_by: Mapped[str] = mapped_column(String(64))
    set_at: Mapped[datetime]
    lifted_by: Mapped[str | None] = mapped_column(String(64))
    lifted_at: Mapped[datetime | None]


class TripStop(Base):
    """The global stop: while a row is not lifted, no trip is sent (issue 16 item 5)."""

    __tablename__ = "trip_stops"

    id: Mapped[int] = mapped_column(ID, primary_key=True)
    reason: Mapped[str] = mapped_column(Text)
    set_by: Mapped[str] = mapped_column(String(64))
    set_at: Mapped[datetime]
    lifted_by: Mapped[str | None] = mapped_column(String(64))
    lifted_at: Mapped[datetime | None]
    lift_reason: Mapped[str | None] = mapped_column(Text)


# --- the calendar ------------------------------------------------------------------------------

def day_kinds(session: Session, first: date, last: date) -> dict[date, tuple[str, str | None]]:
    """(kind, holiday name) of every day the calendar holds from ``first`` to ``last`` inclusive."""
    rows = session.execute(select(CalendarDay.day, CalendarDay.kind, CalendarDay.name)
                           .where(CalendarDay.day.between(first, last)))
    return {day: (kind, name) for day, kind, name in rows}


def coverage(session: Session) -> tuple[date | None, date | None]:
    """The first and last day the calendar holds (None, None when it is empty)."""
    first, last = session.execute(select(func.min(CalendarDay.day), func.max(CalendarDay.day))).one()
    return first, last


def add_days(session: Session, days: Sequence[tuple[date, str, str | None]], source: str, now: datetime) -> int:
    """Add the days the calendar does not hold yet (a day already there, edited or not, is kept);
    returns how many were added."""
    if not days:
        return 0
    held = set(session.execute(select(CalendarDay.day).where(CalendarDay.day.between(days[0][0], days[-1][0])))
               .scalars())
    rows = [{"day": day, "kind": kind, "name": name, "source": source, "changed_at": now}
            for day, kind, name in days if day not in held]
    if rows:
        session.execute(insert_or_ignore(session, CalendarDay.__table__, ["day"]), rows)
    return len(rows)


def find_day(session: Session, day: date, *, lock: bool = False) -> CalendarDay | None:
    query = select(CalendarDay).where(CalendarDay.day == day)
    return session.execute(query.with_for_update() if lock else query).scalar_one_or_none()


def days_between(session: Session, first: date, last: date) -> Sequence[CalendarDay]:
    return session.execute(select(CalendarDay).where(CalendarDay.day.between(first, last))
                           .order_by(CalendarDay.day)).scalars().all()


# --- moratoria ---------------------------------------------------------------------------------

def moratoria_touching(session: Session, segment_code: str | None, first: date, last: date) -> Sequence[Moratorium]:
    """The moratoria not lifted that cover any day from ``first`` to ``last`` for ``segment_code``
    (those set for every segment included); with ``segment_code`` None, every segment's."""
    query = select(Moratorium).where(Moratorium.lifted_at.is_(None), Moratorium.starts_on <= last,
                                     Moratorium.ends_on >= first)
    if segment_code is not None:
        query = query.where(or_(Moratorium.segment_code.is_(None), Moratorium.segment_code == segment_code))
    return session.execute(query.order_by(Moratorium.starts_on, Moratorium.id)).scalars().all()


def recent_moratoria(session: Session, since: date, limit: int) -> Sequence[Moratorium]:
    """Moratoria ending on or after ``since`` (lifted ones included), newest first."""
    return session.execute(select(Moratorium).where(Moratorium.ends_on >= since)
                           .order_by(Moratorium.starts_on.desc(), Moratorium.id.desc()).limit(limit)).scalars().all()


def find_moratorium(session: Session, moratorium_id: int, *, lock: bool = False) -> Moratorium | None:
    query = select(Moratorium).where(Moratorium.id == moratorium_id)
    return session.execute(query.with_for_update() if lock else query).scalar_one_or_none()


def add(session: Session, row: Moratorium | TripStop) -> None:
    session.add(row)
    session.flush()


# --- the global stop ---------------------------------------------------------------------------

def active_stop(session: Session, *, lock: bool = False) -> TripStop | None:
    """The global stop that holds now, or None."""
    query = select(TripStop).where(TripStop.lifted_at.is_(None)).order_by(TripStop.id.desc()).limit(1)
    return session.execute(query.with_for_update() if lock else query).scalar_one_or_none()


def recent_stops(session: Session, limit: int) -> Sequence[TripStop]:
    return session.execute(select(TripStop).order_by(TripStop.id.desc()).limit(limit)).scalars().all()
