"""Timing helpers of the patrol benchmark: SQL statement times, the component breakdown, cProfile."""

from __future__ import annotations

import cProfile
import io
import pstats
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from typing import Any

from sqlalchemy import Engine
from sqlalchemy import event as sa_event


class SqlTimes:
    """Driver time per statement (first 110 characters), from engine events."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.total: dict[str, float] = defaultdict(float)
        self.calls: dict[str, int] = defaultdict(int)
        self._started: dict[int, float] = {}

    def _before(self, conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        self._started[id(cursor)] = time.perf_counter()

    def _after(self, conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        t0 = self._started.pop(id(cursor), None)
        if t0 is not None:
            key = " ".join(statement.split())[:110]
            self.total[key] += time.perf_counter() - t0
            self.calls[key] += 1

    def __enter__(self) -> SqlTimes:
        sa_event.listen(self.engine, "before_cursor_execute", self._before)
        sa_event.listen(self.engine, "after_cursor_execute", self._after)
        dialect = self.engine.dialect
        commit = dialect.do_commit

        def timed_commit(dbapi_connection: Any) -> None:
            t0 = time.perf_counter()
            try:
                commit(dbapi_connection)
            finally:
                self.total["COMMIT (incl. fsync)"] += time.perf_counter() - t0
                self.calls["COMMIT (incl. fsync)"] += 1

        dialect.do_commit = timed_commit  # type: ignore[method-assign]
        return self

    def __exit__(self, *exc: object) -> None:
        sa_event.remove(self.engine, "before_cursor_execute", self._before)
        sa_event.remove(self.engine, "after_cursor_execute", self._after)
        del self.engine.dialect.do_commit  # the instance attribute: the class's method again

    def report(self, per: int, elapsed: float, top: int = 14) -> Iterator[str]:
        total = sum(self.total.values())
        yield (f"SQL driver time incl. COMMIT: {total:.2f} s of {elapsed:.2f} s ({100 * total / elapsed:.0f}%), "
               f"{sum(self.calls.values()) / per:.1f} statements per reconnection")
        yield f"  {'calls/recon':>11} {'ms/recon':>9} {'ms/call':>8}  statement"
        for key in sorted(self.total, key=lambda k: -self.total[k])[:top]:
            yield (f"  {self.calls[key] / per:11.2f} {1000 * self.total[key] / per:9.3f} "
                   f"{1000 * self.total[key] / self.calls[key]:8.3f}  {key}")


def install_breakdown(bench: Any) -> tuple[Any, Callable[[], None]]:
    """runtime_throughput's component timers, plus the patrol and the reconnect diagram's handlers."""
    from runtime_breakdown import install_breakdown as runtime_breakdown

    import app.usecases.reconnections as patrol
    from app.runtime.api import Runtime

    b, undo_runtime = runtime_breakdown(bench)  # type: ignore[arg-type]  # it needs only .db
    b.wrap(patrol, "reconnect", "patrol.reconnect (one customer, one transaction)")
    b.wrap(Runtime, "start_within", "runtime.start_within (the first step)")
    handlers = bench.runtime.handlers
    originals = dict(handlers)
    for name in ("reconnection.prepare", "reconnection.assign_order", "headend.send_command"):
        handlers[name] = b.timed(f"handler {name}", handlers[name])

    def undo() -> None:
        handlers.update(originals)
        undo_runtime()

    return b, undo


def print_breakdown(b: Any, per: int, elapsed: float) -> Iterator[str]:
    yield (f"breakdown: {per:,} reconnections in {elapsed:.2f} s = {1000 * elapsed / per:.3f} ms each "
           f"(wrappers add overhead; shares matter more than absolutes)")
    yield f"  {'component':52} {'calls/rec':>9} {'incl ms':>8} {'self ms':>8} {'self %':>7}"
    for label in sorted(b.own, key=lambda k: -b.own[k]):
        yield (f"  {label:52} {b.calls[label] / per:9.2f} {1000 * b.inclusive[label] / per:8.3f} "
               f"{1000 * b.own[label] / per:8.3f} {100 * b.own[label] / elapsed:6.1f}%")


def profiled(fn: Callable[[], Any]) -> tuple[Any, str]:
    profiler = cProfile.Profile()
    profiler.enable()
    try:
        result = fn()
    finally:
        profiler.disable()
    sections = []
    for key in ("cumulative", "tottime"):
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).strip_dirs().sort_stats(key).print_stats(30)
        lines = out.getvalue().splitlines()
        start = next((i for i, line in enumerate(lines) if line.lstrip().startswith("ncalls")), 0)
        sections.append(f"--- top 30 by {key} ---\n" + "\n".join(lines[start:]).rstrip())
    return result, "\n".join(sections)


