"""Group commit (``ARCHITECTURE.md``, "Group commit"; issue 14 item 1): machine-driven work — the
worker's due timers and follow-ups, the patrol, batched callbacks — runs many instance steps in one
transaction, each inside its own savepoint. A failing step rolls back alone (its rows, history,
outbox rows, cache keeps and follow-ups) and the caller opens its incident in the same group; the
others commit together. A group closes after ``GroupCap.steps`` steps or ``GroupCap.millis`` of
work, whichever comes first, so SQLite's write lock never stalls a person's click for longer.

A person's action (a form, a claim, one API call) never runs in a group: it commits alone.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypeVar

if TYPE_CHECKING:
    from app.runtime.steps.core import StepRunner
    from app.runtime.steps.unit import Unit

T = TypeVar("T")


@dataclass(frozen=True)
class GroupCap:
    """When a group commits: after this many steps, or once its work took this long."""

    steps: int = 50
    millis: float = 100.0

    def __post_init__(self) -> None:
        if self.steps < 1 or self.millis <= 0:
            raise ValueError(f"a group needs at least one step and some time, not {self}")


@dataclass
class GroupStats:
    """What the groups of one runtime committed (the benchmarks print the group size)."""

    groups: int = 0
    steps: int = 0

    @property
    def mean_size(self) -> float:
        return self.steps / self.groups if self.groups else 0.0


class Group:
    """Use as a context manager; ``run(work)`` runs one step's work in the open transaction (one
    is opened when needed) inside a savepoint. Leaving the block commits what is open; an
    exception that escapes it rolls back the open group, whose steps are redone later (the
    worker's next round, the patrol's next round: nothing of theirs was committed)."""

    def __init__(self, runner: StepRunner, cap: GroupCap, stats: GroupStats) -> None:
        self._runner, self._cap, self._stats = runner, cap, stats
        self._open: ExitStack | None = None
        self._unit: Unit | None = None
        self._steps, self._started = 0, 0.0

    def __enter__(self) -> Group:
        return self

    def __exit__(self, *exc: object) -> None:
        self._close(*exc)

    def run(self, work: Callable[[Unit], T]) -> T:
        unit = self._unit or self._begin()
        try:
            with unit.savepoint():
                return work(unit)
        finally:
            self._steps += 1
            if self._steps >= self._cap.steps or 1000 * (time.monotonic() - self._started) >= self._cap.millis:
                self._close(None, None, None)

    def _begin(self) -> Unit:
        self._open = ExitStack()
        self._unit = self._open.enter_context(self._runner.unit())
        self._steps, self._started = 0, time.monotonic()
        return self._unit

    def _close(self, *exc: object) -> None:
        """Commit (no exception) or roll back the open transaction; its follow-ups run after a commit."""
        stack, steps = self._open, self._steps
        self._open, self._unit, self._steps = None, None, 0
        if stack is None:
            return
        committed = exc[0] is None
        stack.__exit__(*exc)  # type: ignore[arg-type]
        if committed and steps:
            self._stats.groups += 1
            self._stats.steps += steps
