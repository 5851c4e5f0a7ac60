"""Handlers that answer from the history: each service call gets the result recorded for it.

A replay never calls the outside world (nor reads the database a handler would read): the
n-th call at an element gets the n-th recorded result there, after its operator and parameters
are checked against the recorded ones.
"""

from __future__ import annotations

from collections import defaultdict, deque
from collections.abc import Iterator, Mapping
from functools import partial
from typing import Any

from app.audit.replay.recorded import RecordedEvent
from app.runtime.canonical import canonical_json, json_safe
from app.runtime.contract import Handler, ServiceContext


class RecordedFailure(Exception):
    """The call failed when it ran; the replay fails it the same way."""


class UnrecordedCall(Exception):
    """The replay made a call the history does not hold (or holds with other parameters)."""

    def __init__(self, seq: int | None, expected: str, actual: str) -> None:
        super().__init__(actual)
        self.seq, self.expected, self.actual = seq, expected, actual


class AnsweredFromTheRecord(Mapping[str, Handler]):
    """A handler table that answers every operator from a recording (``_answer``) and lists none:
    replay's and rehearsal's, which differ only in how they pick the recorded answer."""

    def __getitem__(self, operator: str) -> Handler:
        return partial(self._answer, operator)

    def __iter__(self) -> Iterator[str]:
        return iter(())

    def __len__(self) -> int:
        return 0

    def _answer(self, operator: str, ctx: ServiceContext, **params: Any) -> dict[str, Any]:
        raise NotImplementedError


class RecordedHandlers(AnsweredFromTheRecord):
    def __init__(self, events: list[RecordedEvent]) -> None:
        self._calls: dict[str | None, deque[RecordedEvent]] = defaultdict(deque)
        for event in events:
            if event.type in ("service.called", "service.failed"):
                self._calls[event.element_id].append(event)
        self.problem: UnrecordedCall | None = None

    def _answer(self, operator: str, ctx: ServiceContext, **params: Any) -> dict[str, Any]:
        queue = self._calls.get(ctx.element_id)
        called = f"{operator}({canonical_json(json_safe(params))}) at {ctx.element_id}"
        if not queue:
            raise self._refuse(None, f"no further service call at {ctx.element_id}", called)
        event = queue.popleft()
        recorded = f"{event.data.get('operator')}({canonical_json(event.data.get('params'))}) at {ctx.element_id}"
        if event.data.get("operator") != operator or event.data.get("params") != json_safe(params):
            raise self._refuse(event.seq, recorded, called)
        if event.type == "service.failed":
            raise RecordedFailure(str(event.data.get("error")))
        return dict(event.data.get("result") or {})

    def _refuse(self, seq: int | None, expected: str, actual: str) -> UnrecordedCall:
        self.problem = self.problem or UnrecordedCall(seq, expected, actual)
        return self.problem
