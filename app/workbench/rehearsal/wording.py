"""A rehearsal's facts and summary lines in words, in the reader's language: the results are
stored as data (``effects.Fact``, ``summary`` lines) and worded when shown, by the page, the API
or the CLI, with its own ``translate`` (gettext) and ``time`` (Beijing time to the minute)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from app.translations import N_

Translate = Callable[[str], str]
TimeText = Callable[[Any], str]

# What the draft would have done, by effect kind (``effects.EFFECTS``); {nth} is the ordinal in the
# reader's language (``ordinal``: "4th" in English, "4" where the sentence writes 第{nth}).
WOULD = {
    "command": N_("would have sent a {nth} command"),
    "sms_customer": N_("would have told the customer by SMS ({key})"),
    "sms_reader": N_("would have told the reader by SMS ({key})"),
    "restored": N_("would have recorded the power restored ({key})"),
    "cut": N_("would have cut the customer's power"),
    "order": N_("would have reached the {key} order"),
}
WOULD_NOT = {
    "command": N_("would not have sent the {nth} command"),
    "sms_customer": N_("would not have told the customer by SMS ({key})"),
    "sms_reader": N_("would not have told the reader by SMS ({key})"),
    "restored": N_("would not have recorded the power restored ({key})"),
    "cut": N_("would not have cut the customer's power"),
    "order": N_("would not have reached the {key} order"),
}
NEEDS = {
    "answer": N_("needs the answer to call {nth} of {name}, which the case never had (it recorded {recorded})"),
    "form": N_("needs a form for user task {name} the case never had"),
    "message": N_("needs a {nth} '{name}' message the case never had"),
}
COMMAND_OPERATOR = "headend.send_command"
NEEDS_COMMAND = N_("needs the result of a {nth} command, which the case never had (it recorded {recorded})")
STATUSES = {"completed": N_("completed"), "terminated": N_("terminated"), "running": N_("still waiting"),
            "stopped": N_("stopped")}
OUTCOME_LABELS = {"same": N_("same outcome"), "different": N_("different outcome"),
                  "needs_input": N_("needs an input the case never had")}


ORDINALS = {1: N_("{n}st"), 2: N_("{n}nd"), 3: N_("{n}rd")}
ORDINAL_TH = N_("{n}th")


def ordinal(n: int, translate: Translate = str) -> str:
    """1st, 2nd, 3rd, 4th, 11th… — by the English rule, each form translated (Chinese: the number)."""
    template = ORDINAL_TH if 10 <= n % 100 <= 20 else ORDINALS.get(n % 10, ORDINAL_TH)
    return translate(template).format(n=n)


def duration(minutes: int, translate: Translate) -> str:
    hours, rest = divmod(int(minutes), 60)
    if hours and rest:
        return translate(N_("{hours} h {minutes} min")).format(hours=hours, minutes=rest)
    if hours:
        return translate(N_("{hours} h")).format(hours=hours)
    return translate(N_("{minutes} min")).format(minutes=rest)


def _what(table: dict[str, str], fact: dict[str, Any], translate: Translate) -> str:
    template = table.get(str(fact.get("kind")), "{kind} {key}")
    n = int(fact.get("n") or 0)
    return translate(template).format(nth=ordinal(n, translate), n=n, key=fact.get("key", ""),
                                      kind=fact.get("kind", ""))


def fact_text(fact: dict[str, Any], translate: Translate, time: TimeText) -> str:
    """One difference of one case, with its time: "would have sent a 4th command at 2026-03-02 10:45"."""
    kind = fact.get("fact")
    if kind == "extra":
        return translate(N_("{what} at {time}")).format(what=_what(WOULD, fact, translate), time=time(fact["at"]))
    if kind == "missing":
        return translate(N_("{what} (the case did, at {time})")).format(what=_what(WOULD_NOT, fact, translate),
                                                                        time=time(fact["recorded_at"]))
    if kind in ("later", "earlier"):
        template = N_("{what} {duration} later, at {time}") if kind == "later" else N_(
            "{what} {duration} earlier, at {time}")
        return translate(template).format(what=_what(WOULD, fact, translate), time=time(fact["at"]),
                                          duration=duration(int(fact["minutes"]), translate))
    if kind == "ended":
        return translate(N_("would have ended {rehearsed} instead of {recorded}")).format(
            rehearsed=_status(fact["rehearsed"], translate), recorded=_status(fact["recorded"], translate))
    if kind == "result":
        return translate(N_("would have ended with another result"))
    if kind == "decision":
        return translate(N_("the decision table {table} ({task}) would have answered {rehearsed} instead of "
                            "{recorded} (asked with {inputs})")).format(
            table=fact.get("table", ""), task=fact.get("task_name") or fact.get("element_id", ""),
            rehearsed=values_text(fact.get("rehearsed")), recorded=values_text(fact.get("recorded")),
            inputs=values_text(fact.get("inputs")))
    if kind == "incident":
        return translate(N_("would have failed at {element} at {time} (an incident)")).format(
            element=fact.get("element_id") or "", time=time(fact["at"]))
    return translate(N_("could not be rehearsed: {error}")).format(error=fact.get("error", ""))


def needs_text(needs: dict[str, Any], translate: Translate, time: TimeText) -> str:
    """The input a case never had, and where the rehearsal stopped for it."""
    return translate(N_("{needs}: the rehearsal stopped there, at {time}")).format(
        needs=needs_phrase(needs, translate), time=time(needs["at"]))


def _status(status: str, translate: Translate) -> str:
    return translate(STATUSES.get(status, status))


def line_text(line: dict[str, Any], translate: Translate) -> str:
    """A summary line in words: "37 cases would have sent a 4th command"."""
    kind, count = line.get("line"), int(line.get("count") or 0)
    if kind == "total":
        return translate(N_("{count} cases rehearsed: {same} with the same outcome, {different} with a different "
                            "outcome, {needs} needing an input they never had")).format(
            count=count, same=line["same"], different=line["different"], needs=line["needs_input"])
    if kind == "cut":
        template = N_("1 customer would have been cut who was not") if count == 1 else N_(
            "{count} customers would have been cut who were not")
        return translate(template).format(count=count)
    if kind == "not_told":
        template = N_("1 customer would not have been told ({key})") if count == 1 else N_(
            "{count} customers would not have been told ({key})")
        return translate(template).format(count=count, key=line.get("key", ""))
    if kind == "decision":
        template = N_("in 1 case the decision table {table} ({task}) would have answered otherwise") if count == 1 \
            else N_("in {count} cases the decision table {table} ({task}) would have answered otherwise")
        return translate(template).format(count=count, table=line.get("table", ""), task=line.get("task_name") or "")
    if kind == "needs":
        template = N_("1 case: {what}") if count == 1 else N_("{count} cases: {what}")
        return translate(template).format(count=count, what=needs_phrase(line, translate))
    if kind == "extra":
        text = _what(WOULD, line, translate)
    elif kind == "missing":
        text = _what(WOULD_NOT, line, translate)
    elif kind in ("later", "earlier"):
        template = N_("{what} {duration} later") if kind == "later" else N_("{what} {duration} earlier")
        text = translate(template).format(what=_what(WOULD, line, translate),
                                          duration=duration(int(line["minutes"]), translate))
    elif kind == "ended":
        text = translate(N_("would have ended {rehearsed} instead of {recorded}")).format(
            rehearsed=_status(line["rehearsed"], translate), recorded=_status(line["recorded"], translate))
    else:
        text = translate(N_("could not be rehearsed or failed in an incident"))
    template = N_("1 case {what}") if count == 1 else N_("{count} cases {what}")
    return translate(template).format(count=count, what=text)


def values_text(values: Any) -> str:
    """A table's inputs or answer as ``name = value`` pairs (``allowed = true, reason = "outside"``)."""
    if not isinstance(values, dict):
        return str(values)
    return ", ".join(f"{name} = {json.dumps(value, ensure_ascii=False)}" for name, value in values.items())


def needs_phrase(needs: dict[str, Any], translate: Translate) -> str:
    n = int(needs.get("n") or 0)
    template = NEEDS_COMMAND if needs.get("name") == COMMAND_OPERATOR else NEEDS.get(str(needs.get("what")), "{name}")
    return translate(template).format(nth=ordinal(n, translate), n=n, name=needs.get("name", ""),
                                      recorded=needs.get("recorded", 0))
