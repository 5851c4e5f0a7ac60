"""A callback's items taken in groups (issue 14 item 1): a batch of head-end results or payments is
stepped many items per transaction, each item in its own savepoint (``Runtime.grouped``), so one
bad item is refused or fails alone while the others commit together.

An item is taken by a ``take_within`` function in the caller's transaction; it returns a
``Taken``: the outcome (or the refusal, already recorded in the history, which must commit too)
and what to do once it has committed (work that must run in a transaction of its own)."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import partial
from typing import Any

from app.runtime.api import Runtime
from app.runtime.errors import RuntimeActionError
from app.runtime.steps.unit import Unit

log = logging.getLogger("relayflow.callbacks")


@dataclass
class Taken:
    outcome: dict[str, Any] | RuntimeActionError
    then: Callable[[dict[str, Any]], object] | None = None  # after commit; may add to the outcome

    def finish(self) -> dict[str, Any]:
        """The outcome once committed (its follow-up run), or the refusal raised."""
        if isinstance(self.outcome, RuntimeActionError):
            raise self.outcome
        if self.then is not None:
            self.then(self.outcome)
        return self.outcome


TakeWithin = Callable[[Runtime, Unit, Any], Taken]


def take_one(runtime: Runtime, take_within: TakeWithin, item: Any) -> dict[str, Any]:
    """One item in a transaction of its own (a single callback)."""
    with runtime.unit() as unit:
        taken = take_within(runtime, unit, item)
    return taken.finish()


def take_batch(runtime: Runtime, take_within: TakeWithin, items: Iterable[Any]) -> list[dict[str, Any] | Exception]:
    """Each item's outcome, or the exception that refused it (``RuntimeActionError``) or that it
    failed with (anything else, logged): in groups; follow-ups once the whole batch committed."""
    taken: list[Taken | Exception] = []
    with runtime.grouped() as group:
        for item in items:
            try:
                taken.append(group.run(partial(_take_in, take_within, runtime, item)))
            except Exception as exc:  # the item's savepoint rolled back: it alone failed
                if not isinstance(exc, RuntimeActionError):
                    log.exception("callback item failed")
                taken.append(exc)
    return [_finished(each) for each in taken]


def _take_in(take_within: TakeWithin, runtime: Runtime, item: Any, unit: Unit) -> Taken:
    return take_within(runtime, unit, item)


def _finished(taken: Taken | Exception) -> dict[str, Any] | Exception:
    if isinstance(taken, Exception):
        return taken
    try:
        return taken.finish()
    except Exception as exc:
        if not isinstance(exc, RuntimeActionError):
            log.exception("callback item's follow-up failed")
        return exc
