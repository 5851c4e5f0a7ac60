"""Failed sign-ins by (username, address) in a recent window: the sign-in limiter's counts, in the
database so that every web process counts the same ones (issue 14 item 3)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Connection, Index, Integer, String, delete, func, insert, select
from sqlalchemy.orm import Mapped, mapped_column

from storage.models import Base


class SignInFailure(Base):
    __tablename__ = "sign_in_failures"
    __table_args__ = (Index("ix_sign_in_failures_pair", "username", "address", "at"),)

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    username: Mapped[str] = mapped_column(String(64))
    address: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(index=True)


def recent(conn: Connection, username: str, address: str, since: datetime) -> tuple[int, datetime | None]:
    """How many failures the pair had since ``since``, and the first of them."""
    found = conn.execute(select(func.count(), func.min(SignInFailure.at)).where(
        SignInFailure.username == username, SignInFailure.address == address, SignInFailure.at > since)).one()
    return int(found[0]), found[1]


def add(conn: Connection, username: str, address: str, at: datetime, forget_before: datetime) -> None:
    """Count one failure; failures older than the window (anyone's) are dropped as they go by."""
    conn.execute(delete(SignInFailure).where(SignInFailure.at <= forget_before))
    conn.execute(insert(SignInFailure).values(username=username, address=address, at=at))


def clear(conn: Connection, username: str, address: str) -> None:
    conn.execute(delete(SignInFailure).where(SignInFailure.username == username, SignInFailure.address == address))
