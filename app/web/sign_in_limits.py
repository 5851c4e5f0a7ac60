"""Failed sign-ins are limited per username and address: after ``LIMIT`` failures within
``WINDOW``, that pair must wait. Guessing passwords gets slow, and the history (every refused
attempt is recorded) cannot be flooded. Kept in the web process's memory: a restart forgets it,
several web processes each count their own — a limit, not an audit (the history is that)."""

from __future__ import annotations

import threading
from collections import deque
from datetime import datetime, timedelta

LIMIT = 5
WINDOW = timedelta(minutes=5)
MAX_TRACKED = 10_000  # pairs remembered at most; the oldest are forgotten first


class SignInLimits:
    def __init__(self, limit: int = LIMIT, window: timedelta = WINDOW) -> None:
        self.limit, self.window = limit, window
        self._failures: dict[tuple[str, str], deque[datetime]] = {}
        self._lock = threading.Lock()

    def wait_needed(self, username: str, address: str, now: datetime) -> timedelta | None:
        """How long this pair must still wait, or None when it may try."""
        with self._lock:
            recent = self._recent(username.strip().lower(), address, now)
            if len(recent) < self.limit:
                return None
            return recent[0] + self.window - now

    def failed(self, username: str, address: str, now: datetime) -> None:
        with self._lock:
            key = (username.strip().lower(), address)
            self._recent(*key, now).append(now)
            if len(self._failures) > MAX_TRACKED:
                self._failures.pop(next(iter(self._failures)))

    def succeeded(self, username: str, address: str) -> None:
        with self._lock:
            self._failures.pop((username.strip().lower(), address), None)

    def _recent(self, username: str, address: str, now: datetime) -> deque[datetime]:
        times = self._failures.setdefault((username, address), deque())
        while times and times[0] <= now - self.window:
            times.popleft()
        return times
