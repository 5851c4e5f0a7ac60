"""Rehearsing one recorded case on a draft: a fresh workflow of the draft, fed the case's recorded
inputs (``app.audit.replay.inputs``, through the runtime's named actions, as replay feeds them) on
the rehearsal's own clock (``schedule``), its service calls answered from the case (``answers``).

Before each input, every draft timer due before it fires, at its own time. A form is applied only
when the draft has that user task open, a message only when the draft awaits it (name and
correlation); a message that comes early waits for the draft to get there. The rehearsal stops at a
call the case holds no answer for; at the end, a draft still waiting for a form or a message the
case never had stops there too. What it made — the calls, where it ended, when — is a ``CaseRun``,
judged against the case by ``effects``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from app.audit.replay.inputs import INPUTS, Input
from app.audit.replay.recorded import RecordedCase, RecordedEvent
from app.runtime import actions
from app.runtime.actions import Changes, Engine
from app.runtime.engine.decisions_asked import DecisionAsked, decisions_asked
from app.runtime.engine.expressions import RestrictedEnvironment
from app.runtime.engine.pending_timers import pending_timers
from app.runtime.engine.projection import AwaitedMessage, awaited_messages, completed, open_user_tasks, result
from app.runtime.engine.state import SpecPair
from app.workbench.rehearsal.answers import Call, MissingAnswer, RecordedAnswers
from app.workbench.rehearsal.schedule import Openings, PlannedInput, RecordedFirings, plan_inputs, utc
from storage.statuses import ENDED_INSTANCE

MAX_STEPS = 500  # a draft whose timers never stop (an endless cycle) is cut off here


@dataclass(frozen=True)
class Missing:
    """An input the case never had: the rehearsal stops where the draft needs it."""

    what: str  # "answer" (a service call's), "form" (a user task's), "message"
    name: str  # the operator, the user task's element id, the message name
    n: int  # the how-manyth (calls: of the operator)
    recorded: int  # how many of them the case has
    at: datetime


@dataclass
class CaseRun:
    calls: list[Call] = field(default_factory=list)
    status: str = "running"  # completed | terminated | running (still waiting) | stopped
    result: Any = None
    open_tasks: tuple[str, ...] = ()
    ended_at: datetime | None = None
    missing: Missing | None = None
    incidents: list[tuple[str | None, datetime]] = field(default_factory=list)
    failure: str | None = None  # the draft could not take a recorded input at all
    decisions: list[DecisionAsked] = field(default_factory=list)  # tables the deployed version answers otherwise


class CaseRehearsal:
    """One case on one draft (a ``FedCase`` for the shared inputs); with the ``deployed`` specs the
    case ran on, each decision table the draft asked is asked of the deployed table too."""

    def __init__(self, case: RecordedCase, specs: SpecPair, environment: RestrictedEnvironment,
                 deployed: SpecPair | None = None) -> None:
        self.case, self.deployed = case, deployed
        self.planned = plan_inputs(case.events)
        self.answers = RecordedAnswers(case.events, self._caused)
        self.engine = Engine(environment, self.answers)
        self.workflow = self.engine.new_workflow(specs)
        self.firings, self.openings = RecordedFirings(case.events), Openings(case.events)
        self.started = self.incident = self.suspended = self.terminated = False
        self.clock = utc(case.events[0].at) if case.events else None
        self.early: list[PlannedInput] = []  # messages that came before the draft awaited them
        self.run_: CaseRun = CaseRun()

    # -- FedCase ---------------------------------------------------------------------------------
    def message_target(self, event: RecordedEvent) -> AwaitedMessage | None:
        """The draft's wait for this message: same name, and a correlation the payload carries."""
        name, payload = event.data.get("name"), event.data.get("payload") or {}
        values = {str(value) for value in payload.values()} if isinstance(payload, dict) else set()
        return next((m for m in awaited_messages(self.workflow)
                     if m.message_name == name and (m.correlation == "" or m.correlation in values)), None)

    def form_check(self, event: RecordedEvent) -> Callable[[Changes], object] | None:
        return None  # the draft's data before the form may differ from the case's

    # -- the run -----------------------------------------------------------------------------------
    def run(self) -> CaseRun:
        for _ in range(MAX_STEPS):
            if self._ended() or self.run_.missing is not None or self.run_.failure is not None:
                break
            if not self._next():
                break
        else:
            self.run_.failure = f"stopped after {MAX_STEPS} steps (a timer that never stops?)"
        return self._finish()

    def _next(self) -> bool:
        """Take the next thing on the clock: a draft timer, or a recorded input. False: nothing left."""
        ready = [p for p in self.planned if p.due is not None]
        planned = min(ready, key=lambda p: p.order) if ready else None
        timer = self._next_timer()
        if timer is not None and (planned is None or timer[:2] < planned.order):
            at, _seq, element_id, due_text = timer
            self.firings.fired(element_id, due_text)
            self._step(at, INPUTS["timer.fired"], None)
            return True
        if planned is None:
            return False
        self.planned.remove(planned)
        assert planned.due is not None
        at = max(planned.due, self.clock) if self.clock else planned.due
        if self._applies(planned.event):
            self._step(at, INPUTS[planned.event.type], planned.event)
        elif planned.event.type == "message.received":
            self.early.append(planned)
        return True

    def _next_timer(self) -> tuple[datetime, int, str | None, str] | None:
        if not self._may_step():
            return None
        timers = [(*self.firings.fire_at(t.element_id, t.due_text, t.due), t.element_id, t.due_text)
                  for t in pending_timers(self.workflow)]
        return min(timers, key=lambda t: t[:2]) if timers else None

    def _applies(self, event: RecordedEvent) -> bool:
        if event.type == "instance.started":
            return not self.started
        if not self.started:
            return False
        if event.type == "task.completed":
            return actions.open_user_task_at(self.workflow, event.element_id) is not None
        if event.type == "message.received":
            return self.message_target(event) is not None
        return True

    def _may_step(self) -> bool:
        return self.started and not (self.incident or self.suspended or self.terminated)

    def _step(self, at: datetime, apply: Input, event: RecordedEvent | None) -> None:
        self.clock = at
        step = self.engine.step(self.workflow, instance_id=self.case.instance_id, now=at)

        def act_and_run() -> None:
            if apply(self, event, step) and self._may_step():  # type: ignore[arg-type]  # a timer has no event
                actions.run(step)

        try:
            with step:
                failure = actions.attempt(act_and_run)
        except Exception as exc:  # an input the draft cannot take at all (InputDiverged, EngineFailed...): said
            self.run_.failure = f"{type(exc).__name__}: {exc}"
            return
        if self.answers.missing is not None:
            self.run_.missing = _missing_answer(self.answers.missing)
            return
        if failure is not None:
            self.incident = True
            self.run_.incidents.append((failure.element_id, at))
        for made in step.history_events():
            if made.type == "element.ready":
                cause = self.openings.opened(made.element_id)
                if cause is not None:
                    self._caused(cause, at)
        self._deliver_early(at)

    def _caused(self, seq: int, at: datetime) -> None:
        """The draft did what caused a recorded input (``seq``) at ``at``: the input is now due."""
        for planned in self.planned:
            if planned.cause == seq and planned.due is None:
                planned.due = at + planned.lag

    def _deliver_early(self, at: datetime) -> None:
        for planned in list(self.early):
            if self._may_step() and self.message_target(planned.event) is not None:
                self.early.remove(planned)
                self._step(at, INPUTS["message.received"], planned.event)

    def _ended(self) -> bool:
        return self.terminated or completed(self.workflow)

    def _finish(self) -> CaseRun:
        run = self.run_
        run.calls = list(self.answers.calls)
        run.result = result(self.workflow)
        if self.deployed is not None:
            run.decisions = [asked for asked in decisions_asked(self.workflow, self.deployed) if asked.moved]
        if self.terminated:
            run.status, run.ended_at = "terminated", self.clock
        elif completed(self.workflow):
            run.status, run.ended_at = "completed", self.clock
        else:
            run.status = "stopped" if run.missing or run.failure else "running"
            run.open_tasks = tuple(sorted(task.element_id for task in open_user_tasks(self.workflow)))
            if run.status == "running" and self.clock is not None:
                run.missing = self._still_needed(self.clock)
        return run

    def _still_needed(self, at: datetime) -> Missing | None:
        """What the draft still waits for that the case never gave. A case itself still open in the
        same user tasks needs nothing more: the rehearsal got as far as the case has."""
        case_ended = self.case.status in ENDED_INSTANCE
        if not case_ended and list(self.run_.open_tasks) == self.case.open_tasks:
            return None
        for element_id in self.run_.open_tasks:
            if case_ended or element_id not in self.case.open_tasks:
                forms = sum(1 for e in self.case.events if e.type == "task.completed" and e.element_id == element_id)
                return Missing("form", element_id, forms + 1, forms, at)
        for awaited in awaited_messages(self.workflow):
            received = sum(1 for e in self.case.events
                           if e.type == "message.received" and e.data.get("name") == awaited.message_name)
            return Missing("message", awaited.message_name, received + 1, received, at)
        return None


def _missing_answer(missing: MissingAnswer) -> Missing:
    return Missing("answer", missing.operator, missing.n, missing.recorded, missing.at)
