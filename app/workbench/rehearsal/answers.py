"""Service calls in a rehearsal, answered from the case's recorded results **by operator, in call
order**: the draft's n-th ``headend.send_command`` gets the n-th recorded answer, whatever element
makes the call and however many sends the draft makes before it. (Among the operator's unused
answers the first with the same parameters is preferred, so a ``reconnection.assign_order`` for the
manual order gets the manual order's number even if the draft skipped the automatic one.)

A call with no recorded answer left is an input the case never had: the rehearsal names it (which
operator, the how-manyth call) and stops there — nothing is invented. A recorded failure fails the
call again, as replay does.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from app.audit.replay.handlers import AnsweredFromTheRecord, RecordedFailure
from app.audit.replay.recorded import RecordedEvent
from app.runtime.canonical import json_safe
from app.runtime.contract import ServiceContext

SERVICE_EVENTS = ("service.called", "service.failed")
ANSWERED, FAILED, UNANSWERED = "answered", "failed", "unanswered"


@dataclass(frozen=True)
class Call:
    """A service call the draft made."""

    operator: str
    params: dict[str, Any]
    element_id: str
    at: datetime
    n: int  # the how-manyth call of its operator (1 = first)
    outcome: str  # ANSWERED, FAILED (as it failed in the case) or UNANSWERED (the case holds no answer)


@dataclass(frozen=True)
class MissingAnswer:
    """The call the case holds no answer for."""

    operator: str
    n: int
    recorded: int  # how many calls of the operator the case recorded
    element_id: str
    at: datetime


class NoRecordedAnswer(Exception):
    """Raised into the engine: the call fails, and the rehearsal of the case stops."""


class RecordedAnswers(AnsweredFromTheRecord):
    """A handler table whose every operator answers from one case's recorded results;
    ``answered(seq, at)`` is told when the recorded call ``seq`` is answered at ``at``."""

    def __init__(self, events: list[RecordedEvent], answered: Callable[[int, datetime], None]) -> None:
        self._unused: dict[str, list[RecordedEvent]] = defaultdict(list)
        for event in events:
            if event.type in SERVICE_EVENTS:
                self._unused[str(event.data.get("operator"))].append(event)
        self._recorded = Counter({operator: len(calls) for operator, calls in self._unused.items()})
        self._made: Counter[str] = Counter()
        self._answered = answered
        self.calls: list[Call] = []
        self.missing: MissingAnswer | None = None

    def _answer(self, operator: str, ctx: ServiceContext, **params: Any) -> dict[str, Any]:
        self._made[operator] += 1
        safe = json_safe(params)
        unused = self._unused.get(operator) or []
        answer = next((event for event in unused if event.data.get("params") == safe), unused[0] if unused else None)
        outcome = UNANSWERED if answer is None else FAILED if answer.type == "service.failed" else ANSWERED
        self.calls.append(Call(operator, safe, ctx.element_id, ctx.now, self._made[operator], outcome))
        if answer is None:
            self.missing = self.missing or MissingAnswer(operator, self._made[operator], self._recorded[operator],
                                                         ctx.element_id, ctx.now)
            raise NoRecordedAnswer(f"no recorded answer for call {self._made[operator]} of {operator}")
        unused.remove(answer)
        self._answered(answer.seq, ctx.now)
        if answer.type == "service.failed":
            raise RecordedFailure(str(answer.data.get("error")))
        return dict(answer.data.get("result") or {})
