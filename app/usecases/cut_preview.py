"""What the cut window says now about each customer of a batch, for the executor's issue form
(M4.3, issue 16 item 2): which customers would wait, and why — not noticed long enough, outside
the hours, a moratorium... The same table the children ask (the current version of
``disconnect_customer``'s business-rule task), with the same facts, once per customer."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from sqlalchemy.orm import Session

from app.rules.cut_facts import facts_at
from app.runtime.api import Runtime
from app.runtime.errors import NotFound
from handlers import cut_policy
from storage import customers as customer_rows

PROCESS, RULE_TASK = "disconnect_customer", "ask_cut_policy"


def waiting_now(session: Session, runtime: Runtime, numbers: list[str], noticed: Mapping[str, str | None],
                now: datetime) -> dict[str, str] | None:
    """The customers the cut window would not cut now, with the table's reason (and the hold's,
    where one holds); None when the deployed diagram has no such table to ask."""
    found = customer_rows.by_numbers(session, numbers)
    situations = cut_policy.situations(session, found.values(), noticed, now, now)
    facts = {number: facts_at(situation, now) for number, situation in situations.items()}
    try:
        answers = runtime.decide(session, PROCESS, RULE_TASK, [{"facts": f} for f in facts.values()])
    except (NotFound, ValueError):
        return None
    return {number: "; ".join(filter(None, [answer.get("cut_reason") or "", facts[number]["why"]]))
            for number, answer in zip(facts, answers, strict=True) if not answer.get("cut_allowed")}
