"""Leases and heartbeats: how several workers share one database (issue 14 item 2).

A lease names a job that must run once at a time (the patrol, sealing the history, the analysts'
rehearsals) or, on SQLite, the one worker the database supports. The holder renews it while it
lives; a crashed holder's lease expires and the next worker takes it. A heartbeat row says which
workers live and when each was last heard of (``/readyz`` reads the freshest).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, String, case, delete, func, select, update
from sqlalchemy.dialects.postgresql import Insert as PgInsert
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import Insert as SqliteInsert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Mapped, mapped_column

from storage.models import Base


def _insert(conn: Connection, model: type[Base]) -> PgInsert | SqliteInsert:
    """An INSERT that can turn into an update on conflict (both dialects spell it alike)."""
    return pg_insert(model) if conn.dialect.name == "postgresql" else sqlite_insert(model)


class Lease(Base):
    __tablename__ = "leases"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    holder: Mapped[str] = mapped_column(String(200))
    acquired_at: Mapped[datetime]
    expires_at: Mapped[datetime]


class WorkerHeartbeat(Base):
    __tablename__ = "worker_heartbeats"

    worker_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    started_at: Mapped[datetime]
    beat_at: Mapped[datetime] = mapped_column(index=True)
    jobs: Mapped[str] = mapped_column(String(500))


@dataclass(frozen=True)
class Holder:
    holder: str
    expires_at: datetime


def take(conn: Connection, name: str, holder: str, now: datetime, until: datetime) -> bool:
    """Take (or renew) the lease ``name`` for ``holder`` until ``until``; False while another
    holder's lease has not expired."""
    statement = _insert(conn, Lease).values(name=name, holder=holder, acquired_at=now, expires_at=until)
    kept_start = case((Lease.holder == holder, Lease.acquired_at), else_=now)  # a takeover starts afresh
    upsert = statement.on_conflict_do_update(
        index_elements=[Lease.name], set_={"holder": holder, "expires_at": until, "acquired_at": kept_start},
        where=(Lease.holder == holder) | (Lease.expires_at <= now),
    ).returning(Lease.holder)
    return conn.execute(upsert).scalar_one_or_none() == holder


def holder_of(conn: Connection, name: str) -> Holder | None:
    found = conn.execute(select(Lease.holder, Lease.expires_at).where(Lease.name == name)).first()
    return Holder(found.holder, found.expires_at) if found is not None else None


def renew_all(conn: Connection, holder: str, until: datetime) -> int:
    """Push out every lease ``holder`` still holds; returns how many."""
    return conn.execute(update(Lease).where(Lease.holder == holder).values(expires_at=until)).rowcount


def release(conn: Connection, holder: str, name: str | None = None) -> None:
    """Give up ``holder``'s lease ``name`` (every lease it holds, without a name)."""
    condition = Lease.holder == holder
    conn.execute(delete(Lease).where(condition if name is None else condition & (Lease.name == name)))


def beat(conn: Connection, worker_id: str, started_at: datetime, now: datetime, jobs: str) -> None:
    statement = _insert(conn, WorkerHeartbeat).values(worker_id=worker_id, started_at=started_at, beat_at=now,
                                                      jobs=jobs)
    conn.execute(statement.on_conflict_do_update(index_elements=[WorkerHeartbeat.worker_id], set_={"beat_at": now}))


def forget_worker(conn: Connection, worker_id: str) -> None:
    conn.execute(delete(WorkerHeartbeat).where(WorkerHeartbeat.worker_id == worker_id))


def forget_silent(conn: Connection, before: datetime) -> int:
    """Drop the heartbeats of workers not heard of since ``before`` (crashed long ago)."""
    return conn.execute(delete(WorkerHeartbeat).where(WorkerHeartbeat.beat_at < before)).rowcount


def freshest_beat(conn: Connection) -> datetime | None:
    return conn.execute(select(func.max(WorkerHeartbeat.beat_at))).scalar_one_or_none()
