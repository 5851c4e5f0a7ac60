"""The one log line a head-end adapter's circuit breaker writes when it changes state (not one per
command): the HTTP head-end's breaker and each DL/T 645 endpoint's."""

from __future__ import annotations

import logging

import pybreaker


class BreakerLog(pybreaker.CircuitBreakerListener):
    def __init__(self, log: logging.Logger, what: str) -> None:
        self.log, self.what = log, what

    def state_change(self, cb: pybreaker.CircuitBreaker, old_state: pybreaker.CircuitBreakerState | None,
                     new_state: pybreaker.CircuitBreakerState) -> None:
        old = old_state.name if old_state is not None else "-"
        self.log.warning("%s: circuit %s → %s (%d failures in a row)", self.what, old, new_state.name,
                         cb.fail_counter)
