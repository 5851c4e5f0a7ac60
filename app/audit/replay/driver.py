"""Replaying one case: a fresh workflow, fed the recorded inputs in order, must produce the
recorded engine events in the same order and end with the recorded result.

Inputs (``inputs``) are the events that started a step: the start data, a completed user task's form, a
message, a timer firing (at its recorded time), a retry, a resume, a termination. Each is applied
at the recorded time through the runtime's named actions (``app.runtime.actions``), the same the
durable runtime steps every instance with, so the replay's events are made by the same code that
made the originals. What the replay does itself: pick the recorded inputs and the task each names,
track the instance's lifecycle (started, incident, suspended, terminated: what the durable runtime
keeps in the row's status), and compare engine events (element entered, completed, cancelled,
failed; timers fired; service calls; incidents in a task) one by one.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from app.audit.replay.handlers import RecordedHandlers
from app.audit.replay.inputs import INPUTS, Input, InputDiverged
from app.audit.replay.recorded import RecordedCase, RecordedEvent
from app.audit.replay.result import Divergence
from app.runtime import actions
from app.runtime.actions import Changes, Engine, EngineFailed
from app.runtime.canonical import canonical_json
from app.runtime.engine.expressions import RestrictedEnvironment
from app.runtime.engine.projection import AwaitedMessage, completed, open_user_tasks, result
from app.runtime.engine.state import SpecPair
from app.runtime.events.history import NewEvent
from app.runtime.migration import VersionMove, move
from app.runtime.steps.step import Step
from storage.statuses import ENDED_INSTANCE

ENGINE_EVENTS = frozenset({"element.ready", "element.waiting", "element.completed", "element.cancelled",
                           "element.failed", "timer.fired", "service.called", "service.failed", "incident.opened"})
Key = tuple[str, str | None, str | None]
# The specs of the case's process in a deployment (a move's target); raises if they cannot be read.
SpecsIn = Callable[[int], SpecPair]


def engine_key(event_type: str, element_id: str | None, data: dict[str, Any]) -> Key | None:
    """What is compared of an engine event; None for events no engine step makes (an incident
    opened outside any task is the scheduler's note that a step was rolled back)."""
    if event_type not in ENGINE_EVENTS or (event_type == "incident.opened" and element_id is None):
        return None
    if event_type.startswith("service."):
        return event_type, element_id, str(data.get("operator"))
    if event_type == "timer.fired":
        return event_type, element_id, canonical_json(data.get("due"))
    return event_type, element_id, None


def describe(key: Key) -> str:
    kind, element, detail = key
    return " ".join(part for part in (kind, element or "(process)", f"[{detail}]" if detail else "") if part)


class CaseReplay:
    """Replays one recorded case on a fresh workflow built from ``specs``."""

    def __init__(self, case: RecordedCase, specs: SpecPair, environment: RestrictedEnvironment,
                 trace: Callable[[RecordedEvent], None] | None = None, *, deployment_id: int | None = None,
                 specs_in: SpecsIn | None = None) -> None:
        self.case, self.trace = case, trace
        # The deployment the case runs on at this point of its history: the one it started on,
        # until a recorded move takes it to another (``specs_in`` reads that one's specs).
        self.deployment_id = case.deployment_id if deployment_id is None else deployment_id
        self.specs, self.specs_in = specs, specs_in
        self.handlers = RecordedHandlers(case.events)
        self.engine = Engine(environment, self.handlers)
        self.workflow = self.engine.new_workflow(specs)
        self.expected = [(e, k) for e in case.events if (k := engine_key(e.type, e.element_id, e.data))]
        self.matched = 0
        self.started = self.incident = self.suspended = self.terminated = False
        self._timers_recorded = self._timers_replayed = 0

    def run(self) -> Divergence | None:
        for event in self.case.events:
            on = event.data.get("to_deployment_id") if event.type == "instance.moved" else self.deployment_id
            if event.deployment_id not in (None, on):  # a move's step is recorded on its target
                return Divergence(event.seq, f"deployment {self.deployment_id} (the instance's version)",
                                  f"an event recorded on deployment {event.deployment_id}")
            apply = _INPUTS.get(event.type)
            if apply is None or not self._is_new_input(event):
                continue
            divergence = self._step(event, apply)
            if divergence is not None:
                return divergence
        return self._finish()

    def _is_new_input(self, event: RecordedEvent) -> bool:
        if event.type == "timer.fired":  # an input only if no replayed step has fired it already
            self._timers_recorded += 1
            return self._timers_recorded > self._timers_replayed and self._may_step()
        if event.type == "instance.started":
            return True
        return self.started

    def _may_step(self) -> bool:
        return self.started and not (self.incident or self.suspended or self.terminated)

    def message_target(self, event: RecordedEvent) -> AwaitedMessage | None:
        name = event.data.get("name")
        return actions.awaited_message(self.workflow, name) if name is not None else None

    def form_check(self, event: RecordedEvent) -> Callable[[Changes], object]:
        """The recorded form must change what it changed when it was recorded."""

        def as_recorded(changes: Changes) -> None:
            if "changes" in event.data and changes != event.data["changes"]:
                raise InputDiverged(f"changes {canonical_json(event.data['changes'])}",
                                    f"changes {canonical_json(changes)}")

        return as_recorded

    def _step(self, event: RecordedEvent, apply: Input) -> Divergence | None:
        step = self.engine.step(self.workflow, instance_id=self.case.instance_id, now=event.at)

        def act_and_run() -> None:
            if apply(self, event, step) and self._may_step():
                actions.run(step)

        try:
            with step:
                failure = actions.attempt(act_and_run)
        except InputDiverged as diverged:
            return Divergence(event.seq, diverged.expected, diverged.actual)
        except EngineFailed as failed:
            return self._handler_problem(step) or Divergence(
                event.seq, f"{event.type} to run as recorded", f"the engine failed: {failed.detail}")
        except Exception as exc:  # a recorded input the engine cannot take at all (an edited event, say)
            return Divergence(event.seq, f"{event.type} applied as recorded",
                              f"it could not be: {type(exc).__name__}: {exc}")
        if failure is not None:
            if self.handlers.problem is not None:
                return self._handler_problem(step)
            self.incident = True
            step.record(failure.event())
        return self._handler_problem(step) or self._compare(step.history_events())

    def _handler_problem(self, step: Step) -> Divergence | None:
        """A call the history does not hold: named at the recorded call it differs from, or else at
        the first recorded event the replay did not reach."""
        problem = self.handlers.problem
        if problem is None:
            return None
        if problem.seq is not None:
            return Divergence(problem.seq, problem.expected, problem.actual)
        reached = self._compare(step.history_events())
        if reached is not None:
            return Divergence(reached.seq, reached.expected, problem.actual)
        return Divergence(None, problem.expected, problem.actual)

    def _compare(self, produced: list[NewEvent]) -> Divergence | None:
        for made in produced:
            key = engine_key(made.type, made.element_id, made.data)
            if key is None:
                continue
            if key[0] == "timer.fired":
                self._timers_replayed += 1
            if self.matched >= len(self.expected):
                return Divergence(None, "no further engine event (the history ends)", describe(key))
            recorded, expected_key = self.expected[self.matched]
            if expected_key != key:
                return Divergence(recorded.seq, describe(expected_key), describe(key))
            if self.trace is not None:
                self.trace(recorded)
            self.matched += 1
        return None

    def _finish(self) -> Divergence | None:
        if self.deployment_id != self.case.deployment_id:
            return Divergence(None, f"the instance on deployment {self.case.deployment_id} (its version)",
                              f"its history leaves it on deployment {self.deployment_id}")
        if self.matched < len(self.expected):
            recorded, key = self.expected[self.matched]
            return Divergence(recorded.seq, describe(key), "nothing more (the replay stopped before it)")
        ended = next((e for e in reversed(self.case.events) if e.type == "instance.completed"), None)
        if ended is not None:
            actual = result(self.workflow)
            if not completed(self.workflow) or actual != ended.data.get("result"):
                return Divergence(ended.seq, f"completed with result {canonical_json(ended.data.get('result'))}",
                                  f"{'completed' if completed(self.workflow) else 'not completed'} with result "
                                  f"{canonical_json(actual)}")
        elif completed(self.workflow) and not self.terminated:
            return Divergence(None, "the instance still open", "the replay completed it")
        return self._where_it_stands()

    def _where_it_stands(self) -> Divergence | None:
        """The replay must end where the instance stands: ended as it ended, or waiting in the same
        user tasks (a history cut short after its last step would otherwise replay clean)."""
        ended = self.case.status in ENDED_INSTANCE
        replay_ended = self.terminated or completed(self.workflow)
        if ended != replay_ended:
            return Divergence(None, f"the instance {self.case.status} (as it stands)",
                              "ended" if replay_ended else "still active")
        open_tasks = [] if replay_ended else sorted(task.element_id for task in open_user_tasks(self.workflow))
        if open_tasks != self.case.open_tasks:
            return Divergence(None, f"open user tasks {self.case.open_tasks} (the instance as it stands)",
                              f"open user tasks {open_tasks}")
        return None


# -- the input only a replay has: the recorded move to another version (a rehearsal runs the
# draft from the start; the shared inputs are ``inputs.INPUTS``) ------------------------------

def _moved(replay: CaseReplay, event: RecordedEvent, step: Step) -> bool:
    """The recorded move, applied by the same named action the durable move used."""
    target = event.data.get("to_deployment_id")
    expected = f"the case moved to deployment {target} as recorded"
    if not isinstance(target, int) or replay.specs_in is None:
        raise InputDiverged(expected, "the history names no deployment it can be moved to")
    if event.data.get("from_deployment_id") != replay.deployment_id:
        raise InputDiverged(f"a move from deployment {replay.deployment_id}",
                            f"a move from deployment {event.data.get('from_deployment_id')}")
    try:
        target_specs = replay.specs_in(target)
    except Exception as exc:  # the target's files are gone or were edited (``SourceChanged``)
        raise InputDiverged(expected, f"deployment {target} cannot be read: {exc}") from exc
    plan = VersionMove(replay.specs, target_specs)
    blockers = plan.blockers(replay.workflow)
    if blockers:
        raise InputDiverged(expected, "the replayed case cannot move: " + "; ".join(
            f"{b.reason} {b.element_id or ''}".strip() for b in blockers))
    move(step, plan)
    replay.specs, replay.deployment_id = target_specs, target
    return True


_INPUTS: dict[str, Input] = {**INPUTS, "instance.moved": _moved}  # type: ignore[dict-item]
