"""Every case a customer is part of and the stage it reached, read from what is recorded: the
cases' history (who completed which task, with which data; what each service call returned),
the open tasks' projection (their due times), the SMS outbox and the meter commands. One reading
for the customer page and the audit case search.

A batch (``disconnect.bpmn``) counts as the customer's case while they are in it — applied for
(M4.1), approved (M4.2), noticed (M4.3.1), scheduled, issued (M4.3.2-3) — and the child that
disconnects them (``disconnect_customer.bpmn``) adds its steps to the batch's. Steps are read from
the data the handlers' validators and operators record (``applicant``, ``decision``, ``to_disconnect``,
``entered_by``, ``reconnected_by``; ``disconnection.notify_customers``, ``reconnection.assign_order``…),
never from element ids or Python constants: the cut's earliest date is the date the notice named
(``planned_date``: issuing refuses an earlier day), its deadline the issue task's due time.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.orm import Session

from app.archive.lookups import find_customer
from storage import customer_cases as rows
from storage import customers as customer_rows
from storage.customer_cases import CaseCommand, CaseEvent, CaseRow, CaseSms, CaseTask

CASES_LIMIT = 50
LAST = datetime.max.replace(tzinfo=UTC)
BATCH_PROCESS = "disconnect"  # the only process whose cases hold many customers (its data's ``customers``)


@dataclass(frozen=True)
class Step:
    """One thing that happened in a case, as the pages word it (``templates/_case_steps.html``)."""

    kind: str
    at: datetime | str | None = None
    actor: str | None = None
    note: str | None = None  # an opinion, a reason, a note typed on site, an order number…
    due: datetime | None = None
    element_id: str | None = None  # a task waited for: its id in the diagram (the pages' short name for it)


@dataclass(frozen=True)
class CustomerCase:
    id: int
    process_id: str
    process_name: str | None
    status: str
    started_at: datetime
    ended_at: datetime | None
    member: bool  # a batch the customer is one of (not a case about them alone)
    steps: list[Step] = field(default_factory=list)
    children: list[int] = field(default_factory=list)  # the batch's child cases about this customer

    @property
    def stage(self) -> Step | None:
        """Where the case stands for this customer: its last step."""
        return self.steps[-1] if self.steps else None


@dataclass
class _Records:
    events: dict[int, list[CaseEvent]]
    tasks: dict[int, list[CaseTask]]
    sms: dict[int | None, list[CaseSms]]
    commands: dict[int | None, list[CaseCommand]]


def customer_cases(session: Session, number: str, *, limit: int = CASES_LIMIT) -> list[CustomerCase]:
    """The customer's cases, newest first; a batch's child is folded into its batch. ``NotFound``
    for an unknown customer."""
    customer = find_customer(session, number)
    return _cases(session, number, customer.id, rows.case_ids(session, number, limit), fold_children=True)


def cases_by_id(session: Session, number: str, ids: Sequence[int]) -> dict[int, CustomerCase]:
    """These instances as the customer's cases (the audit search's page of them), each on its own."""
    customer = customer_rows.by_number(session, number)
    if customer is None:
        return {}
    return {case.id: case for case in _cases(session, number, customer.id, ids, fold_children=False)}


def _cases(session: Session, number: str, customer_id: int, ids: Sequence[int], *,
           fold_children: bool) -> list[CustomerCase]:
    found = rows.case_rows(session, ids)
    batches = [row.id for row in found if row.process_id == BATCH_PROCESS]
    children = rows.children_about(session, batches, number)
    every = sorted({*ids, *children})
    records = _Records(_by(rows.case_events(session, every)), _by(rows.case_tasks(session, every)),
                       _by(rows.case_sms(session, every, number)),
                       _by(rows.case_commands(session, customer_id, every)))
    by_parent: dict[int, list[CaseRow]] = defaultdict(list)
    for child in rows.case_rows(session, children):
        if child.parent_id is not None:
            by_parent[child.parent_id].append(child)
    shown = [row for row in found if not (fold_children and row.parent_id in batches)]
    return [_case(row, number, records, sorted(by_parent.get(row.id, []), key=lambda c: c.id) if fold_children
                  else []) for row in shown]


def _by(items: Iterable[Any]) -> dict[Any, list[Any]]:
    grouped: dict[Any, list[Any]] = defaultdict(list)
    for item in items:
        grouped[item.instance_id].append(item)
    return grouped


def _case(row: CaseRow, number: str, records: _Records, children: list[CaseRow]) -> CustomerCase:
    if row.process_id == BATCH_PROCESS:
        steps = _batch_steps(row, number, records)
        for child in children:
            steps += _own_steps(child, records) + _ending(child, records)
    else:
        steps = _own_steps(row, records)
    steps += _ending(row, records)
    return CustomerCase(row.id, row.process_id, row.process_name, row.status, row.created_at, row.ended_at,
                        member=row.process_id == BATCH_PROCESS, steps=steps, children=[c.id for c in children])


# -- a batch, for one of its customers (M4.1–M4.3) ------------------------------------------------

def _batch_steps(row: CaseRow, number: str, records: _Records) -> list[Step]:
    steps: list[Step] = []
    planned: str | None = None
    for event in records.events.get(row.id, []):
        data = event.data.get("data") or {}
        result = event.data.get("result") or {}
        if event.type == "task.completed" and "applicant" in data:
            planned = data.get("planned_date")
            steps.append(Step("applied", event.at, event.actor, note=data.get("reason")))
        elif event.type == "task.completed" and "decision" in data:
            kind = "approved" if data["decision"] == "approve" else "sent_back"
            steps.append(Step(kind, event.at, event.actor, note=data.get("opinion")))
        elif event.type == "service.called" and event.data.get("operator") == "disconnection.notify_customers":
            steps += _notice(row.id, number, event, result, records)
            if planned:
                steps.append(Step("cut_scheduled", planned, due=_due(records.tasks.get(row.id, []))))
        elif event.type == "task.completed" and "to_disconnect" in data:
            steps.append(_issued(event, data, number))
    return steps


def _notice(instance_id: int, number: str, event: CaseEvent, result: dict[str, Any],
            records: _Records) -> list[Step]:
    """M4.3.1: the notice SMS queued (and when the gateway took it), or why none went."""
    not_notified = result.get("not_notified") or {}
    if number in not_notified:
        return [Step("not_notified", event.at, note=str(not_notified[number]))]
    sent = [s for s in records.sms.get(instance_id, []) if s.notice == "disconnection_notice"]
    if not sent:
        return []
    sms = sent[-1]
    return [Step("notice_sent", sms.sent_at) if sms.sent_at else Step("notice_queued", sms.created_at,
                                                                        note=sms.status)]


def _due(tasks: list[CaseTask]) -> datetime | None:
    """When the batch's open task (issuing the commands) is due: the diagram's ``due_in`` as the
    task projection holds it."""
    dues = [t.due_at for t in tasks if t.due_at is not None]
    return min(dues) if dues else None


def _issued(event: CaseEvent, data: dict[str, Any], number: str) -> Step:
    """M4.3.2-3: issued, or taken out because they paid meanwhile, or kept although they paid."""
    if number in (data.get("cancel") or []):
        return Step("dropped_out", event.at, event.actor)
    keep = data.get("keep") or {}
    if number in keep:
        return Step("kept", event.at, event.actor, note=keep[number])
    return Step("issued", event.at, event.actor)


# -- one customer's own case: the batch's child, a reconnection ----------------------------------

def _own_steps(row: CaseRow, records: _Records) -> list[Step]:
    steps: list[Step] = []
    if row.process_id != "disconnect_customer":
        steps.append(Step("started", row.created_at, row.started_by))
    for event in records.events.get(row.id, []):
        data, result = event.data.get("data") or {}, event.data.get("result") or {}
        operator = event.data.get("operator")
        if event.type == "service.called" and operator == "reconnection.assign_order":
            steps.append(Step(f"order_{result.get('kind')}", event.at, note=result.get("number")))
        elif event.type == "service.called" and operator == "headend.send_command":
            steps.append(Step("command_queued", event.at, note=(event.data.get("params") or {}).get("action")))
        elif event.type == "service.called" and operator == "reconnection.record_reconnected" \
                and result.get("how") == "remote":
            steps.append(Step("reconnected_remote", result.get("reconnected_at")))
        elif event.type == "service.called" and operator == "sms.notify_reader":
            steps.append(Step("reader_told", event.at))
        elif event.type == "task.completed" and "entered_by" in data:
            kind = "entered_cut" if data.get("disconnected") else "entered_not_cut"
            steps.append(Step(kind, data.get("disconnected_at") or event.at, event.actor, note=data.get("note")))
        elif event.type == "task.completed" and "reconnected_by" in data:
            steps.append(Step("reconnected_on_site", data.get("reconnected_at"), event.actor, note=data.get("note")))
    steps += _command_outcomes(records.commands.get(row.id, []))
    steps += _result(row)
    return sorted(steps, key=lambda s: _sort_key(s.at))


def _command_outcomes(commands: list[CaseCommand]) -> list[Step]:
    """Each command's failure or execution, as the head-end reported it (M5.2: a failed send)."""
    outcome = []
    for command in commands:
        if command.executed_at is not None:
            outcome.append(Step("command_executed", command.executed_at, note=command.action))
        elif command.status in ("failed", "expired"):
            outcome.append(Step("command_failed", command.executed_at or command.sent_at or command.created_at,
                                note=command.error or command.status))
    return outcome


def _result(row: CaseRow) -> list[Step]:
    """What the case ended with (the ``result`` the diagram wrote)."""
    result = row.result if isinstance(row.result, dict) else {}
    outcome = result.get("outcome")
    if outcome == "disconnected":
        return [Step("cut", result.get("at"), note=result.get("how"))]
    if outcome in ("paid_before_trip", "cancelled_paid", "cancelled_protected", "protected", "not_disconnected"):
        return [Step(outcome, row.ended_at, note=result.get("note"))]
    return []


def _ending(row: CaseRow, records: _Records) -> list[Step]:
    """A case ended by an operator, or still waiting for someone's task."""
    ended = [e for e in records.events.get(row.id, []) if e.type == "instance.terminated"]
    if ended:
        return [Step("terminated", ended[-1].at, ended[-1].actor, note=ended[-1].data.get("reason"))]
    return [Step("waiting", t.created_at, t.claimed_by, note=t.name, due=t.due_at, element_id=t.element_id)
            for t in records.tasks.get(row.id, [])]


def _sort_key(at: datetime | str | None) -> datetime:
    """Steps in time order (a datetime, or a recorded ISO-8601 time); the undated last."""
    if isinstance(at, str):
        try:
            at = datetime.fromisoformat(at)
        except ValueError:
            at = None
    if at is None:
        return LAST
    return at if at.tzinfo is not None else at.replace(tzinfo=UTC)
