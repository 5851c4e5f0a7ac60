"""When a rehearsal applies each recorded input: the rehearsal's own clock.

A draft may wait PT45M where the case waited PT2H, or loop more or fewer times, so a recorded input
cannot always be applied at its recorded time. Each input follows what caused it in the case:

- a **message** follows the service call whose result it answers (the recorded call earlier in the
  case whose result holds one of the message's own fields with the same value: the head-end result
  for command ``HES-7-…`` follows the ``headend.send_command`` that answered with that id). It
  arrives as long after the draft makes that call (and gets that recorded answer) as it arrived
  after the call in the case. The draft's n-th send gets the n-th recorded answer, so the n-th
  command's result follows the draft's n-th send;
- a **form** follows its user task's opening (the n-th recorded opening of that task ↔ the draft's
  n-th): it is completed as long after the draft opens the task as it was in the case;
- everything else — the start data, a termination, a suspension, a retry — and an input whose cause
  the case does not hold, keeps its recorded time.

An input whose cause the draft never reproduces is never applied (the draft did not get there).
A draft timer fires at its due time (+1 s, as the worker wakes: SpiffWorkflow fires a timer only
once its time has passed), or — when the case recorded a firing of the same timer with the same
due time — at the recorded time, so an unchanged diagram runs on the case's own times.
"""

from __future__ import annotations

from collections import defaultdict, deque
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from app.audit.replay.inputs import INPUTS
from app.audit.replay.recorded import RecordedEvent
from app.workbench.rehearsal.answers import SERVICE_EVENTS

# The recorded inputs a rehearsal feeds; the draft's own timers replace the recorded firings.
FED = frozenset(INPUTS) - {"timer.fired"}
TIMER_GRACE = timedelta(seconds=1)


def utc(moment: datetime) -> datetime:
    """History times are UTC; a database that drops the zone gives them back naive."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


@dataclass
class PlannedInput:
    event: RecordedEvent
    cause: int | None  # seq of the recorded event it follows (None: it keeps its recorded time)
    lag: timedelta
    due: datetime | None  # when the rehearsal applies it (None: its cause has not happened yet)

    @property
    def order(self) -> tuple[datetime, int]:
        assert self.due is not None
        return self.due, self.event.seq


def plan_inputs(events: list[RecordedEvent]) -> list[PlannedInput]:
    """The case's inputs, each tied to what caused it in the case."""
    planned: list[PlannedInput] = []
    calls: list[RecordedEvent] = []
    opened: dict[str | None, RecordedEvent] = {}
    for event in events:
        if event.type in SERVICE_EVENTS:
            calls.append(event)
        elif event.type == "element.ready":
            opened[event.element_id] = event
        if event.type not in FED:
            continue
        cause = None
        if event.type == "message.received":
            cause = _answered_by(calls, event.data.get("payload") or {})
        elif event.type == "task.completed":
            cause = opened.get(event.element_id)
        if cause is None:
            planned.append(PlannedInput(event, None, timedelta(0), utc(event.at)))
        else:
            planned.append(PlannedInput(event, cause.seq, utc(event.at) - utc(cause.at), None))
    return planned


def _answered_by(calls: list[RecordedEvent], payload: dict[str, object]) -> RecordedEvent | None:
    """The latest recorded call whose result shares a field (same name, same value) with the message."""
    for call in reversed(calls):
        result = call.data.get("result") or {}
        if isinstance(result, dict) and any(key in payload and payload[key] == value and value not in (None, "")
                                            for key, value in result.items()):
            return call
    return None


class RecordedFirings:
    """The case's timer firings, by timer and due time: an unchanged timer fires when it fired."""

    def __init__(self, events: list[RecordedEvent]) -> None:
        self._at: dict[tuple[str | None, str], deque[RecordedEvent]] = defaultdict(deque)
        for event in events:
            if event.type == "timer.fired" and isinstance(event.data.get("due"), str):
                self._at[(event.element_id, event.data["due"])].append(event)

    def fire_at(self, element_id: str | None, due_text: str, due: datetime) -> tuple[datetime, int]:
        """When the timer fires, and the seq to order it by among inputs of the same time."""
        recorded = self._at.get((element_id, due_text))
        if recorded:
            return utc(recorded[0].at), recorded[0].seq
        return due + TIMER_GRACE, 1 << 62

    def fired(self, element_id: str | None, due_text: str) -> None:
        recorded = self._at.get((element_id, due_text))
        if recorded:
            recorded.popleft()


class Openings:
    """The case's user-task openings in order, per element: the draft's n-th ↔ the case's n-th."""

    def __init__(self, events: list[RecordedEvent]) -> None:
        self._seqs: dict[str | None, list[int]] = defaultdict(list)
        for event in events:
            if event.type == "element.ready":
                self._seqs[event.element_id].append(event.seq)
        self._seen: dict[str | None, int] = defaultdict(int)

    def opened(self, element_id: str | None) -> int | None:
        """The recorded opening the draft's latest opening of ``element_id`` stands for, if any."""
        self._seen[element_id] += 1
        seqs = self._seqs.get(element_id, [])
        n = self._seen[element_id]
        return seqs[n - 1] if n <= len(seqs) else None
