"""What a case did to the customer, and how a rehearsal's differs: the effects model.

**An effect** is a customer-facing service call — the only way a process touches the world — named
by its *kind* and the values of the call's *key parameters*:

| kind           | operator                              | key parameter |
|----------------|---------------------------------------|---------------|
| ``command``    | ``headend.send_command``              | ``action``    |
| ``sms_customer`` | ``sms.notify_customer``, ``disconnection.notify_customers`` | ``notice`` |
| ``sms_reader`` | ``sms.notify_reader``                 | ``notice``    |
| ``restored``   | ``reconnection.record_reconnected``   | ``how``       |
| ``cut``        | ``disconnection.record_disconnected`` | ``how``       |
| ``order``      | ``reconnection.assign_order``         | ``kind``      |

Reads (``reconnection.prepare``, ``disconnection.still_owes``…) and bookkeeping
(``headend.expire_command``, ``disconnection.archive``) are not effects. A call that failed did
not take effect; a call the case holds no answer for did (the draft made it: the 4th command was
sent — only its result is unknown). The customer is the same throughout a case, so it is no key.

**Comparing**: the case's effects and the rehearsal's, each kind-and-key in order — the draft's
n-th command against the case's n-th:

- only the rehearsal has it: ``extra`` ("would have sent a 4th command at 10:45");
- only the case has it: ``missing`` ("would not have told the customer by SMS") — judged only when
  the rehearsal ran to the end: after a stop for a missing input nothing is assumed;
- both, a minute or more apart: ``later`` / ``earlier`` ("would have reached the manual order
  2 h 15 min later");

and the end state: ``ended`` (completed, terminated or still waiting, and the ``result``) when the
two differ. No difference at all is the *same outcome*.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from app.audit.replay.recorded import RecordedEvent
from app.workbench.rehearsal.answers import FAILED, Call
from app.workbench.rehearsal.schedule import utc

EFFECTS: dict[str, tuple[str, str | None]] = {
    "headend.send_command": ("command", "action"),
    "sms.notify_customer": ("sms_customer", "notice"),
    "disconnection.notify_customers": ("sms_customer", "notice"),
    "sms.notify_reader": ("sms_reader", "notice"),
    "reconnection.record_reconnected": ("restored", "how"),
    "disconnection.record_disconnected": ("cut", "how"),
    "reconnection.assign_order": ("order", "kind"),
}
NOTICEABLE = timedelta(minutes=1)  # a shift under a minute is the worker's wake-up, not the diagram

Fact = dict[str, Any]  # {"fact": extra|missing|later|earlier|ended|incident, ...values}; see wording


@dataclass(frozen=True)
class Effect:
    kind: str
    key: str  # the key parameter's value ("direct_close", "reconnected", "manual"; "" without one)
    at: datetime


def effect_of(operator: str, params: dict[str, Any], at: datetime) -> Effect | None:
    found = EFFECTS.get(operator)
    if found is None:
        return None
    kind, key = found
    return Effect(kind, str(params.get(key, "")) if key else "", utc(at))


def recorded_effects(events: Iterable[RecordedEvent]) -> list[Effect]:
    return [effect for event in events if event.type == "service.called"
            and (effect := effect_of(str(event.data.get("operator")), event.data.get("params") or {}, event.at))]


def rehearsed_effects(calls: Iterable[Call]) -> list[Effect]:
    return [effect for call in calls if call.outcome != FAILED
            and (effect := effect_of(call.operator, call.params, call.at))]


def compare(recorded: list[Effect], rehearsed: list[Effect], *, ran_to_the_end: bool) -> list[Fact]:
    """The differences, kind by kind, in the order the rehearsal would have made them."""
    before, after = _by_kind(recorded), _by_kind(rehearsed)
    facts: list[Fact] = []
    for kind, key in sorted(set(before) | set(after)):
        was, would = before.get((kind, key), []), after.get((kind, key), [])
        for n in range(1, max(len(was), len(would)) + 1):
            base = {"kind": kind, "key": key, "n": n}
            if n > len(was):
                facts.append({"fact": "extra", **base, "at": would[n - 1].at.isoformat()})
            elif n > len(would):
                if ran_to_the_end:
                    facts.append({"fact": "missing", **base, "recorded_at": was[n - 1].at.isoformat()})
            else:
                shift = would[n - 1].at - was[n - 1].at
                if abs(shift) >= NOTICEABLE:
                    facts.append({"fact": "later" if shift > timedelta(0) else "earlier", **base,
                                  "at": would[n - 1].at.isoformat(), "recorded_at": was[n - 1].at.isoformat(),
                                  "minutes": round(abs(shift).total_seconds() / 60)})
    return sorted(facts, key=lambda fact: str(fact.get("at") or fact.get("recorded_at")))


def _by_kind(effects: list[Effect]) -> dict[tuple[str, str], list[Effect]]:
    grouped: dict[tuple[str, str], list[Effect]] = defaultdict(list)
    for effect in effects:
        grouped[(effect.kind, effect.key)].append(effect)
    return grouped
