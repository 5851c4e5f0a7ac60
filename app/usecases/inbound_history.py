"""History of what the outside world tells us outside any step (payments, head-end results).

Every inbound message is recorded — taken, repeated or refused (issue 5, ARCHITECTURE
"History") — in a named stream, with the customer number under ``customer`` like the archive's
own events, so an auditor finds everything about one customer by that key. A refusal has no
transaction of its own to ride in (the caller's rolled back), so it gets one here. What was sent
is kept as sent, except what no JSON column can hold (NUL, unpaired surrogates, NaN), which is
written out as text (``canonical.storable``), so recording a refusal never fails (issue 10 item 19).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from app.runtime.api import Runtime
from app.runtime.canonical import storable
from app.runtime.events import history
from app.runtime.events.history import NewEvent

MAX_RECORDED_PAYLOAD = 4000  # characters of a refused payload kept in its event


def record(session: Session, runtime: Runtime, stream: str, kind: str, data: dict[str, Any], actor: str) -> None:
    """Append one event to ``stream`` (this process's own, if it has a writer name) in the caller's transaction."""
    history.append(session, runtime.stream(stream), [NewEvent(kind, None, storable(data))], actor=actor,
                   at=runtime.clock.now())


def as_sent(payload: Any) -> Any:
    """A payload as its event keeps it: an object as it is, anything else (or a huge object) as its
    ``repr`` cut short."""
    if isinstance(payload, dict) and len(repr(payload)) <= MAX_RECORDED_PAYLOAD:
        return payload
    return repr(payload)[:MAX_RECORDED_PAYLOAD]


def record_refusal(runtime: Runtime, stream: str, kind: str, payload: Any, error: str, actor: str) -> None:
    """Record a refused inbound message (its payload as sent, cut short if huge) and why."""
    with runtime.db.transaction() as session:
        record(session, runtime, stream, kind, {"payload": as_sent(payload), "error": error}, actor)
