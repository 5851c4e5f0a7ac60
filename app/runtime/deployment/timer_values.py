"""Timer values as analysts write them: ISO 8601 literals (``PT2H``, ``R3/PT2H``, a date-time),
quoted or not, or an expression naming a process variable.

SpiffWorkflow evaluates every timer value as a Python expression, so a plain ``PT2H`` would be a
NameError when the timer is reached. A value that parses as ISO 8601 is a literal (no variable is
named like a duration): ``quote_iso_literals`` hands it to the engine quoted. ``parse_bundle`` calls
it on its own copy of the trees, so deploy and replay see the same spec and the stored file stays
exactly as the analyst sent it (issue 10 item 13).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from lxml import etree
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition

from app.runtime.deployment.bpmn_source import BPMN_NS


def _parse_duration(value: str) -> object:
    parsed = TimerEventDefinition.parse_iso_duration(value)
    if not parsed:
        raise ValueError("empty duration")
    return parsed


def _parse_date(value: str) -> datetime:
    parsed = TimerEventDefinition.parse_time_or_duration(value)
    if not isinstance(parsed, datetime):
        raise ValueError("not a date")
    return parsed


@dataclass(frozen=True)
class TimerKind:
    holds: str  # what an analyst calls the value
    example: str
    parse: Callable[[str], object]  # raises on a value SpiffWorkflow would not take

    def accepts(self, value: str) -> bool:
        try:
            self.parse(value)
        except Exception:  # SpiffWorkflow raises bare Exception/ValueError/IndexError on bad input
            return False
        return True


# the timer element (bpmn:timeDuration ...) → what it holds
TIMER_KINDS: dict[str, TimerKind] = {
    "timeDuration": TimerKind("duration", "PT2H", _parse_duration),
    "timeCycle": TimerKind("cycle", "R3/PT30M", TimerEventDefinition.parse_iso_recurring_interval),
    "timeDate": TimerKind("date", "2025-06-01T09:00:00+00:00", _parse_date),
}
# What an attempt at an ISO 8601 value looks like (a duration, a cycle, a date), valid or not.
ISO_SHAPED = re.compile(r"(R\d*/)?P[\dT][\dYMWDTHS.,]*(/.*)?|R\d*/.+|\d{4}-?\d{2}.*", re.IGNORECASE)


def iso_literal(kind: str, value: str) -> bool:
    """Whether a timer element's text is an ISO 8601 value of its kind, written without quotes."""
    return bool(value.strip()) and TIMER_KINDS[kind].accepts(value.strip())


def timer_nodes(tree: etree._ElementTree, kind: str) -> list[etree._Element]:
    path = f".//{{{BPMN_NS}}}timerEventDefinition/{{{BPMN_NS}}}{kind}"
    return list(tree.iterfind(path))


def quote_iso_literals(tree: etree._ElementTree) -> None:
    """Rewrite, in place, every timer value that is a plain ISO 8601 literal as a quoted one."""
    for kind in TIMER_KINDS:
        for node in timer_nodes(tree, kind):
            if iso_literal(kind, node.text or ""):
                node.text = json.dumps((node.text or "").strip())
