"""Users and their roles (repository functions; they take a Session)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from storage.models import User, UserRole


def find(session: Session, username: str) -> User | None:
    return session.execute(select(User).where(User.username == username)).scalar_one_or_none()


def roles_of(session: Session, user_id: int) -> list[str]:
    return sorted(session.execute(select(UserRole.role).where(UserRole.user_id == user_id)).scalars())


def add(session: Session, username: str, display_name: str, password_hash: str | None, now: datetime) -> User:
    user = User(username=username, display_name=display_name, password_hash=password_hash, active=True,
                created_at=now)
    session.add(user)
    session.flush()
    return user


def replace_roles(session: Session, user_id: int, roles: list[str]) -> None:
    session.execute(delete(UserRole).where(UserRole.user_id == user_id))
    session.add_all(UserRole(user_id=user_id, role=role) for role in sorted(set(roles)))
    session.flush()
