"""Where the time of relayflow's steps goes: inclusive/self time per component, from wrappers
installed in this process only (benchmarks/runtime_throughput.py --breakdown, patrol.py --breakdown)."""

from __future__ import annotations

import logging
import time
from collections import defaultdict
from collections.abc import Callable
from typing import Any

from SpiffWorkflow.bpmn import BpmnWorkflow
from sqlalchemy import event as sa_event

from app.runtime.engine.expressions import RestrictedEnvironment
from app.runtime.steps.services import StepScriptEngine

_SPIFF_LOGGER = logging.getLogger("spiff.task")


class Breakdown:
    """Wraps chosen functions (module attributes, methods) with a stack-aware timer."""

    def __init__(self) -> None:
        self.inclusive: dict[str, float] = defaultdict(float)
        self.own: dict[str, float] = defaultdict(float)
        self.calls: dict[str, int] = defaultdict(int)
        self._stack: list[list[Any]] = []
        self._undo: list[Callable[[], None]] = []
        self.missing: list[str] = []

    def timed(self, label: str, fn: Callable[..., Any]) -> Callable[..., Any]:
        stack, perf = self._stack, time.perf_counter

        def wrapper(*args: Any, **kwargs: Any) -> Any:
            frame = [label, 0.0]
            stack.append(frame)
            started = perf()
            try:
                return fn(*args, **kwargs)
            finally:
                elapsed = perf() - started
                stack.pop()
                self.inclusive[label] += elapsed
                self.own[label] += elapsed - frame[1]
                self.calls[label] += 1
                if stack:
                    stack[-1][1] += elapsed

        wrapper.__wrapped__ = fn  # type: ignore[attr-defined]
        return wrapper

    def wrap(self, owner: Any, name: str, label: str) -> None:
        if not hasattr(owner, name):  # the runtime changed under the benchmark: say so, time the rest
            self.missing.append(f"{getattr(owner, '__name__', owner)}.{name}")
            return
        own = vars(owner).get(name)
        if isinstance(own, staticmethod):
            setattr(owner, name, staticmethod(self.timed(label, own.__func__)))
        else:
            setattr(owner, name, self.timed(label, own if own is not None else getattr(owner, name)))
        if own is None:  # inherited (or bound): drop the override again
            self._undo.append(lambda: delattr(owner, name))
        else:
            self._undo.append(lambda: setattr(owner, name, own))

    def span(self, label: str, duration: float) -> None:
        """A leaf measured elsewhere (SQL statements, from engine events)."""
        self.inclusive[label] += duration
        self.own[label] += duration
        self.calls[label] += 1
        if self._stack:
            self._stack[-1][1] += duration

    def undo(self) -> None:
        while self._undo:
            self._undo.pop()()


def install_breakdown(bench: Any) -> tuple[Breakdown, Callable[[], None]]:
    from sqlalchemy.dialects.sqlite.pysqlite import SQLiteDialect_pysqlite
    from sqlalchemy.orm import Session

    import app.runtime.api as api
    import app.runtime.engine.projection as projection
    import app.runtime.engine.transitions as transitions
    import app.runtime.events.history as history
    import app.runtime.events.messages as messages
    import app.runtime.steps.core as core
    import app.runtime.steps.saving as saving
    import app.runtime.steps.step as step
    from app.runtime.engine.state import StateCodec

    b = Breakdown()
    b.wrap(api.Runtime, "start", "runtime.start (step 1)")
    b.wrap(api.Runtime, "deliver_message", "runtime.deliver_message (step 2)")
    b.wrap(core.StepRunner, "latest_version_id", "query: latest version id")
    b.wrap(core.StepRunner, "lock", "query: lock instance row")
    b.wrap(StateCodec, "loads", "state: deserialize (loads)")
    b.wrap(StateCodec, "dumps", "state: serialize (dumps)")
    b.wrap(step.Step, "__init__", "Step() (script engine, timers)")
    b.wrap(BpmnWorkflow, "__init__", "BpmnWorkflow() construct")
    b.wrap(BpmnWorkflow, "do_engine_steps", "engine: do_engine_steps")
    b.wrap(BpmnWorkflow, "send_event", "engine: send_event")
    b.wrap(core.StepRunner, "_deliver_stored", "deliver stored messages (incl. engine)")
    b.wrap(messages, "pending_for", "query: pending messages for instance")
    b.wrap(messages, "find_by_key", "query: message by key (dedup)")
    b.wrap(messages, "route", "query: route (waiting_messages)")
    b.wrap(messages, "store", "store inbound message (insert or ignore)")
    b.wrap(messages, "mark_delivered", "mark message delivered")
    b.wrap(core, "save_projections", "save projections")
    b.wrap(saving, "_sync_user_tasks", "  user task sync")
    b.wrap(saving, "_sync_awaited", "  awaited messages sync")
    b.wrap(core, "save_effects", "save effects (outbox insert)")
    b.wrap(core, "create_children", "create children")
    b.wrap(step.Step, "history_events", "Step.history_events")
    b.wrap(history, "append_to_instance", "history append")
    b.wrap(history, "event_hash", "  history: canonical json + sha256")
    b.wrap(history, "json_safe", "  history: json_safe(event data)")
    b.wrap(projection, "json_safe", "json_safe (projections: the result)")
    b.wrap(core.StepRunner, "_workflow", "workflow: live cache or load")
    b.wrap(Session, "execute", "SQLAlchemy Session.execute (self: ORM/Core overhead)")
    b.wrap(Session, "get", "SQLAlchemy Session.get")
    b.wrap(Session, "flush", "SQLAlchemy flush (self: unit of work)")
    b.wrap(SQLiteDialect_pysqlite, "do_commit", "COMMIT (incl. fsync)")
    b.wrap(transitions, "_record", "transition recorder")
    b.wrap(_SPIFF_LOGGER, "info", "spiff.task logger.info (LogRecord + handler)")
    b.wrap(RestrictedEnvironment, "evaluate", "restricted eval (expressions)")
    b.wrap(RestrictedEnvironment, "execute", "restricted exec (scripts)")
    b.wrap(StepScriptEngine, "call_service", "call_service (handlers)")

    started: dict[int, float] = {}

    def before(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        started[id(cursor)] = time.perf_counter()

    def after(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        t0 = started.pop(id(cursor), None)
        if t0 is not None:
            verb = statement.lstrip().split(None, 1)[0].upper()
            b.span(f"sql: {verb} (driver execute)", time.perf_counter() - t0)

    engine = bench.db.engine
    sa_event.listen(engine, "before_cursor_execute", before)
    sa_event.listen(engine, "after_cursor_execute", after)

    def undo() -> None:
        b.undo()
        sa_event.remove(engine, "before_cursor_execute", before)
        sa_event.remove(engine, "after_cursor_execute", after)

    return b, undo


def print_breakdown(b: Breakdown, instances: int, elapsed: float) -> None:
    per = 1000.0 / instances
    print(f"breakdown of (b): {instances} instances in {elapsed:.2f} s = {elapsed * per:.3f} ms/instance "
          f"(wrappers add overhead; shares matter more than absolutes)")
    print(f"  {'component':48} {'calls/inst':>10} {'incl ms/inst':>13} {'self ms/inst':>13} {'self %':>7}")
    total_self = elapsed
    for label in sorted(b.own, key=lambda k: -b.own[k]):
        print(f"  {label:48} {b.calls[label] / instances:10.2f} {b.inclusive[label] * per:13.3f} "
              f"{b.own[label] * per:13.3f} {100 * b.own[label] / total_self:6.1f}%")
    if b.missing:
        print(f"  (not timed, no longer in the runtime: {', '.join(b.missing)})")
    top = sum(b.inclusive[k] for k in ("runtime.start (step 1)", "runtime.deliver_message (step 2)"))
    print(f"  {'(outside the two runtime calls: benchmark loop)':48} {'':10} {'':13} "
          f"{(elapsed - top) * per:13.3f} {100 * (elapsed - top) / total_self:6.1f}%")
