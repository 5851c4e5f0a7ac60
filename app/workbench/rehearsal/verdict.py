"""Per case, one of: the **same outcome**; a **different outcome** (the facts, each with its time);
or **needs an input** the case never had (which one — and the rehearsal stopped there, so nothing
after it is judged)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from app.audit.replay.recorded import RecordedCase
from app.runtime.engine.decisions_asked import DecisionAsked
from app.workbench.rehearsal.case import CaseRun
from app.workbench.rehearsal.effects import Fact, compare, recorded_effects, rehearsed_effects

SAME, DIFFERENT, NEEDS_INPUT = "same", "different", "needs_input"
OUTCOMES = (SAME, DIFFERENT, NEEDS_INPUT)


@dataclass(frozen=True)
class CaseVerdict:
    instance_id: int
    customer: str | None
    outcome: str
    facts: list[Fact]
    needs: dict[str, Any] | None  # {what, name, n, recorded, at}

    def as_dict(self) -> dict[str, Any]:
        return {"instance_id": self.instance_id, "customer": self.customer, "outcome": self.outcome,
                "facts": self.facts, "needs": self.needs}


def judge(case: RecordedCase, run: CaseRun) -> CaseVerdict:
    stopped = run.missing is not None or run.failure is not None
    facts = [decision_fact(asked) for asked in run.decisions]
    facts += compare(recorded_effects(case.events), rehearsed_effects(run.calls), ran_to_the_end=not stopped)
    facts += [{"fact": "incident", "element_id": element_id, "at": at.isoformat()} for element_id, at in run.incidents]
    if run.failure is not None:
        facts.append({"fact": "failed", "error": run.failure[:300]})
    elif not stopped:
        facts += _end_state(case, run)
    needs = None
    if run.missing is not None:
        m = run.missing
        needs = {"what": m.what, "name": m.name, "n": m.n, "recorded": m.recorded, "at": m.at.isoformat()}
    outcome = NEEDS_INPUT if needs is not None else DIFFERENT if facts else SAME
    return CaseVerdict(case.instance_id, customer_of(case), outcome, facts, needs)


def decision_fact(asked: DecisionAsked) -> Fact:
    """A business rule task the draft's table answers otherwise than the deployed one, on the same data."""
    return {"fact": "decision", "element_id": asked.element_id, "task_name": asked.task_name, "table": asked.table,
            "inputs": asked.inputs, "recorded": asked.other, "rehearsed": asked.answer}


def _end_state(case: RecordedCase, run: CaseRun) -> list[Fact]:
    ended = next((e for e in reversed(case.events) if e.type == "instance.completed"), None)
    recorded_status = case.status if case.status in ("completed", "terminated") else "running"
    if recorded_status != run.status:
        return [{"fact": "ended", "recorded": recorded_status, "rehearsed": run.status,
                 "open_tasks": list(run.open_tasks)}]
    if run.status == "running" and list(run.open_tasks) != case.open_tasks:
        return [{"fact": "ended", "recorded": recorded_status, "rehearsed": run.status,
                 "open_tasks": list(run.open_tasks)}]
    if ended is not None and ended.data.get("result") != run.result:
        return [{"fact": "result"}]
    return []


def customer_of(case: RecordedCase) -> str | None:
    """The customer a case concerns: its start data's number, or the attribute it set."""
    for event in case.events:
        if event.type == "instance.started":
            number = (event.data.get("data") or {}).get("customer_number")
            if number:
                return str(number)
        if event.type == "attribute.set" and event.data.get("name") == "customer" and event.data.get("new"):
            return str(event.data["new"])
    return None
