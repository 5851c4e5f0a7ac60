"""Failed sign-ins are limited per username and address: after ``LIMIT`` failures within
``WINDOW``, that pair must wait. Guessing passwords gets slow, and the history (every refused
attempt is recorded) cannot be flooded. The counts are in the database (``storage.sign_in_failures``),
so the limit holds across every web process and a restart (issue 14 item 3)."""

from __future__ import annotations

from datetime import datetime, timedelta

from storage import sign_in_failures
from storage.db import Database

LIMIT = 5
WINDOW = timedelta(minutes=5)


class SignInLimits:
    def __init__(self, db: Database, limit: int = LIMIT, window: timedelta = WINDOW) -> None:
        self.db, self.limit, self.window = db, limit, window

    def wait_needed(self, username: str, address: str, now: datetime) -> timedelta | None:
        """How long this pair must still wait, or None when it may try."""
        with self.db.reading() as session:
            count, first = sign_in_failures.recent(session.connection(), _key(username), address[:64],
                                                   now - self.window)
        if count < self.limit or first is None:
            return None
        return first + self.window - now

    def failed(self, username: str, address: str, now: datetime) -> None:
        with self.db.transaction() as session:
            sign_in_failures.add(session.connection(), _key(username), address[:64], now, now - self.window)

    def succeeded(self, username: str, address: str) -> None:
        with self.db.transaction() as session:
            sign_in_failures.clear(session.connection(), _key(username), address[:64])


def _key(username: str) -> str:
    return username.strip().lower()[:64]
