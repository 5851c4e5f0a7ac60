"""User accounts: create, set roles, set password, and the actor a user acts as."""

from __future__ import annotations

import re

from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from app.accounts.roles import ROLES, unknown_roles
from app.clock import Clock
from app.runtime.actors import Actor
from app.runtime.errors import Conflict, NotFound, RuntimeActionError
from app.runtime.events import history
from app.runtime.events.history import NewEvent
from storage import users

USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,63}$")
MIN_PASSWORD_LENGTH = 8
STREAM = "users"
_NOBODY = generate_password_hash("no user has this password")  # checked against for unknown names


def _checked_roles(roles: list[str]) -> list[str]:
    unknown = unknown_roles(roles)
    if unknown:
        raise RuntimeActionError(f"unknown role(s) {', '.join(unknown)}; roles are {', '.join(ROLES)}")
    return sorted(set(roles))


def _hash(password: str) -> str:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise RuntimeActionError(f"a password needs at least {MIN_PASSWORD_LENGTH} characters")
    return generate_password_hash(password)


def create_user(session: Session, clock: Clock, actor: Actor, username: str, display_name: str,
                roles: list[str], password: str | None = None) -> None:
    if not USERNAME.match(username):
        raise RuntimeActionError("a username is 2-64 characters: lower-case letters, digits, '.', '_' or '-'")
    if users.find(session, username) is not None:
        raise Conflict(f"user {username} already exists")
    roles = _checked_roles(roles)
    user = users.add(session, username, display_name or username, _hash(password) if password else None,
                     clock.now())
    users.replace_roles(session, user.id, roles)
    history.append(session, STREAM, [NewEvent("user.created", None, {
        "username": username, "display_name": user.display_name, "roles": roles, "password_set": bool(password)})],
                   actor=actor.name, at=clock.now())


def set_roles(session: Session, clock: Clock, actor: Actor, username: str, roles: list[str]) -> None:
    user = _existing(session, username)
    old, new = users.roles_of(session, user.id), _checked_roles(roles)
    if sorted(old) == new:
        return  # the roles it holds already: nothing changes, nothing is recorded
    users.replace_roles(session, user.id, new)
    history.append(session, STREAM, [NewEvent("user.roles_changed", None,
                                              {"username": username, "old": old, "new": new})],
                   actor=actor.name, at=clock.now())


def set_password(session: Session, clock: Clock, actor: Actor, username: str, password: str) -> None:
    user = _existing(session, username)
    user.password_hash = _hash(password)
    history.append(session, STREAM, [NewEvent("user.password_changed", None, {"username": username})],
                   actor=actor.name, at=clock.now())


def _existing(session: Session, username: str) -> users.User:
    user = users.find(session, username)
    if user is None:
        raise NotFound(f"no user {username}")
    return user


def authenticate(session: Session, clock: Clock, username: str, password: str) -> Actor | None:
    """The actor a username and password sign in as, or None; both outcomes go into the history
    (an auditor sees who signed in, and every failed attempt)."""
    user = users.find(session, username.strip().lower())
    stored = user.password_hash if user is not None and user.active else None
    # an unknown name costs the same hash check as a known one: timing tells nobody who exists
    matches = check_password_hash(stored or _NOBODY, password)
    ok = stored is not None and matches
    kind = "user.signed_in" if ok else "user.sign_in_refused"
    history.append(session, STREAM, [NewEvent(kind, None, {"username": username[:64]})],
                   actor=username[:64] or "anonymous", at=clock.now())
    return actor_for(session, username.strip().lower()) if ok else None


def record_sign_out(session: Session, clock: Clock, username: str) -> None:
    """A signed-in user signed out (the web's logout): into the ``users`` history beside the sign-in."""
    history.append(session, STREAM, [NewEvent("user.signed_out", None, {"username": username})],
                   actor=username, at=clock.now())


def actor_for(session: Session, username: str) -> Actor | None:
    """The actor an active user acts as (its roles as stored now), or None."""
    user = users.find(session, username)
    if user is None or not user.active:
        return None
    return Actor(user.username, frozenset(users.roles_of(session, user.id)))
