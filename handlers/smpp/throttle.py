"""How fast submits go to the SMSC: at most ``window`` waiting for their answer at once, and starts
spaced so that no more than ``per_second`` begin in any second. An SMSC answers a faster ESME with
ESME_RTHROTTLED, or drops it."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable


class Throttle:
    def __init__(self, window: int, per_second: float, *, monotonic: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], object] = time.sleep) -> None:
        if window < 1:
            raise ValueError("the SMPP window must be at least 1")
        self._slots = threading.BoundedSemaphore(window)
        self._interval = 1.0 / per_second if per_second > 0 else 0.0
        self._monotonic, self._sleep = monotonic, sleep
        self._lock = threading.Lock()
        self._next_start = 0.0

    def acquire(self, timeout: float) -> bool:
        """Take a slot in the window (False if none came free within ``timeout``), then wait for this
        submit's turn in the pace."""
        if not self._slots.acquire(timeout=timeout):
            return False
        with self._lock:
            now = self._monotonic()
            start = max(now, self._next_start)
            self._next_start = start + self._interval
        if start > now:
            self._sleep(start - now)
        return True

    def release(self) -> None:
        """The submit was answered (or will never be): its slot is free."""
        self._slots.release()
