"""The rehearsal's rules that need no engine (issue 12 item 5): which recorded call a message
answers, how effects compare, how the words read, which scopes are taken."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from app.audit.replay.recorded import RecordedEvent
from app.workbench.refusals import WorkbenchInvalid
from app.workbench.rehearsal.effects import Effect, compare
from app.workbench.rehearsal.schedule import plan_inputs
from app.workbench.rehearsal.scope import Scope, read_scope
from app.workbench.rehearsal.wording import duration, line_text, ordinal

T0 = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)


def event(seq: int, kind: str, minutes: float, element: str | None = None, **data: object) -> RecordedEvent:
    return RecordedEvent(seq, kind, element, "system", T0 + timedelta(minutes=minutes), dict(data))


def test_a_message_follows_the_call_whose_result_it_answers() -> None:
    events = [
        event(1, "instance.started", 0, data={"customer_number": "1"}),
        event(2, "service.called", 0, "send", operator="headend.send_command", result={"command_id": "HES-a"}),
        event(3, "service.called", 120, "send", operator="headend.send_command", result={"command_id": "HES-b"}),
        event(4, "message.received", 121, name="headend_result", payload={"command_id": "HES-a", "stage": "failed"}),
        event(5, "message.received", 300, name="payment", payload={"amount": 3}),
    ]
    started, late_a, payment = plan_inputs(events)
    assert (started.cause, started.due) == (None, T0)
    assert (late_a.cause, late_a.lag, late_a.due) == (2, timedelta(minutes=121), None)  # HES-a's call, not the latest
    assert (payment.cause, payment.due) == (None, T0 + timedelta(minutes=300))  # nothing caused it: recorded time


def effect(kind: str, minutes: float, key: str = "k") -> Effect:
    return Effect(kind, key, T0 + timedelta(minutes=minutes))


def test_effects_compare_in_order_per_kind_and_judge_nothing_missing_after_a_stop() -> None:
    recorded = [effect("command", 0), effect("command", 120), effect("sms_customer", 121, "reconnected")]
    rehearsed = [effect("command", 0), effect("command", 46), effect("command", 92)]
    facts = compare(recorded, rehearsed, ran_to_the_end=True)
    assert [(f["fact"], f["kind"], f["n"]) for f in facts] == [
        ("earlier", "command", 2), ("extra", "command", 3), ("missing", "sms_customer", 1)]
    assert facts[0]["minutes"] == 74
    assert [f["fact"] for f in compare(recorded, rehearsed, ran_to_the_end=False)] == ["earlier", "extra"]
    assert compare(recorded, [effect("command", 0.5), effect("command", 120), recorded[2]],
                   ran_to_the_end=True) == []  # under a minute apart is the same


def test_the_words() -> None:
    assert [ordinal(n) for n in (1, 2, 3, 4, 11, 12, 13, 21, 22, 101)] == [
        "1st", "2nd", "3rd", "4th", "11th", "12th", "13th", "21st", "22nd", "101st"]
    assert [duration(m, str) for m in (45, 60, 135)] == ["45 min", "1 h", "2 h 15 min"]
    assert line_text({"line": "later", "count": 12, "kind": "order", "key": "manual", "n": 1, "minutes": 135},
                     str) == "12 cases would have reached the manual order 2 h 15 min later"
    assert line_text({"line": "extra", "count": 1, "kind": "command", "key": "direct_close", "n": 4},
                     str) == "1 case would have sent a 4th command"
    assert line_text({"line": "not_told", "count": 3, "key": "reconnected"},
                     str) == "3 customers would not have been told (reconnected)"


def test_the_scopes_taken_and_refused() -> None:
    assert read_scope(None) == Scope(last=200)
    assert read_scope({"customers": [" 34 ", "34", "35"]}).customers == ("34", "35")
    taken = read_scope({"from": "2026-03-02", "to": "2026-03-02"})
    assert taken.end is not None and taken.start is not None and taken.end - taken.start == timedelta(days=1)
    for bad, field in (({"last": True}, "scope.last"), ({"customers": ["x" * 65]}, "scope.customers"),
                       ({"from": "2026-03-02"}, "scope"), ({"last": 1, "customers": ["1"]}, "scope")):
        with pytest.raises(WorkbenchInvalid) as refused:
            read_scope(bad)
        assert refused.value.field == field
