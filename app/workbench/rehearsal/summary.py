"""A rehearsal's summary: counts of cases per kind of difference, as lines of data (worded by
``wording.line_text``). Always there: the totals, and the safety line "N customers would have
been cut who were not" (0 is the answer an analyst wants to read). Customers not told by SMS are
counted as customers ("N customers would not have been told"), everything else as cases; the cases
whose decision table answers otherwise come first ("in 2 cases the decision table … would have
answered otherwise", issue 16 item 6)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from typing import Any

from app.workbench.rehearsal.verdict import DIFFERENT, NEEDS_INPUT, SAME, CaseVerdict

Line = dict[str, Any]
_SIGNATURES = {  # which values of a fact make two cases' differences the same line
    "extra": ("kind", "key", "n"), "missing": ("kind", "key", "n"), "later": ("kind", "key", "n", "minutes"),
    "earlier": ("kind", "key", "n", "minutes"), "ended": ("recorded", "rehearsed"),
    "incident": (), "failed": (), "result": (), "decision": ("table", "task_name"),
}


_ORDER = {"decision": -1, "extra": 0, "missing": 1, "later": 2, "earlier": 2, "ended": 3, "trouble": 4}


def _line_order(item: tuple[tuple[Any, ...], int]) -> tuple[int, int, str]:
    (kind, *values), count = item
    return _ORDER.get(kind, 5), -count, repr(values)


def summarise(verdicts: Iterable[CaseVerdict]) -> dict[str, Any]:
    outcomes: Counter[str] = Counter()
    lines: Counter[tuple[Any, ...]] = Counter()
    not_told: dict[str, set[str]] = {}
    cut: set[str] = set()
    for verdict in verdicts:
        outcomes[verdict.outcome] += 1
        customer = verdict.customer or f"case {verdict.instance_id}"
        seen = set()
        for fact in verdict.facts:
            kind = str(fact["fact"])
            if kind == "missing" and fact.get("kind") == "sms_customer":
                not_told.setdefault(str(fact.get("key", "")), set()).add(customer)
                continue
            if kind == "extra" and fact.get("kind") == "cut":
                cut.add(customer)
            signature = (kind if kind not in ("incident", "failed", "result") else "trouble",
                         *((name, fact.get(name)) for name in _SIGNATURES.get(kind, ())))
            seen.add(signature)
        if verdict.needs is not None:
            seen.add(("needs", *((name, verdict.needs.get(name)) for name in ("what", "name", "n", "recorded"))))
        lines.update(seen)
    total = sum(outcomes.values())
    summary = [{"line": "total", "count": total, "same": outcomes[SAME], "different": outcomes[DIFFERENT],
                "needs_input": outcomes[NEEDS_INPUT]}]
    summary += [{"line": "needs", "count": count, **dict(values)}
                for (kind, *values), count in lines.most_common() if kind == "needs"]
    summary += [{"line": kind, "count": count, **dict(values)}
                for (kind, *values), count in sorted(lines.items(), key=_line_order) if kind != "needs"]
    summary += [{"line": "not_told", "count": len(customers), "key": key}
                for key, customers in sorted(not_told.items())]
    summary.append({"line": "cut", "count": len(cut)})
    return {"cases": total, "outcomes": {name: outcomes[name] for name in (SAME, DIFFERENT, NEEDS_INPUT)},
            "lines": summary}
