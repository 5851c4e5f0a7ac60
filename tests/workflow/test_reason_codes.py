"""Issue 16 item 7, coded reasons, on the real diagrams, SQLite and PostgreSQL: the application
carries a disconnection reason code (the domain notes' SAP codes, 01 by default), an unknown or
retired one is a field error; every cut not made is counted under a cancelled-cut code, in the
reports and in the outbox's cancellation events."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select, update

from app.audit.reports.period import ReportPeriod
from app.audit.reports.tables import build_reports
from app.runtime.actors import Actor
from app.runtime.forms import FormInvalid
from app.usecases import reason_codes
from app.usecases.payments import record_payment
from storage.domain_models import Customer
from storage.models import HistoryEvent, Instance, InstanceAttribute
from tests.utility import Utility, backend_utility
from tests.workflow.test_disconnect import APPROVER, PLANNED, READER, children, complete, issue, owing, task

__all__ = ["backend_utility"]
SYSADMIN = Actor("sam", frozenset({"sysadmin"}))


def apply(u: Utility, customers: list[str], **extra: object) -> int:
    batch = u.services.runtime.start("disconnect", {}, READER)
    complete(u, "apply", {"customers": customers, "reason": "arrears", "planned_date": PLANNED, **extra}, READER)
    return batch


def batch_attribute(u: Utility, batch: int) -> str | None:
    with u.services.db.reading() as session:
        return session.execute(select(InstanceAttribute.value).where(
            InstanceAttribute.instance_id == batch, InstanceAttribute.name == "reason_code")).scalar_one_or_none()


def test_issue16_item7_the_application_carries_a_reason_code_01_by_default(backend_utility: Utility) -> None:
    """The domain notes' SAP codes: 01 (dunning level reached) unless the applicant chose another;
    the code is in the batch's data, which the approver and the executor read, and on the batch."""
    u = backend_utility
    owing(u, "3400000011", "3400000012")
    first = apply(u, ["3400000011"])
    second = apply(u, ["3400000012"], reason_code="03")
    assert (batch_attribute(u, first), batch_attribute(u, second)) == ("01", "03")
    with u.services.db.reading() as session:
        applied = session.execute(select(HistoryEvent).where(HistoryEvent.instance_id == second,
                                                             HistoryEvent.type == "task.completed")).scalar_one()
    assert applied.data["data"]["reason_code"] == "03"
    assert task(u, "approve", second).lane == "approver"


def test_issue16_item7_an_unknown_or_retired_code_is_a_field_error_and_changes_nothing(
        backend_utility: Utility) -> None:
    u = backend_utility
    owing(u, "3400000011")
    with u.services.db.transaction() as session:
        reason_codes.retire_code(session, u.services.clock, SYSADMIN, "disconnection", "02")
    batch = u.services.runtime.start("disconnect", {}, READER)
    data = {"customers": ["3400000011"], "reason": "arrears", "planned_date": PLANNED}
    with pytest.raises(FormInvalid) as unknown:
        complete(u, "apply", {**data, "reason_code": "99"}, READER)
    assert str(unknown.value.errors["reason_code"]) == "no disconnection reason code 99: choose one of 01, 03, 04"
    with pytest.raises(FormInvalid) as retired:
        complete(u, "apply", {**data, "reason_code": "02"}, READER)
    assert str(retired.value.errors["reason_code"]) == "reason code 02 is retired: choose one of 01, 03, 04"
    with pytest.raises(FormInvalid, match="reason_code"):  # a cancelled-cut code is no disconnection reason
        complete(u, "apply", {**data, "reason_code": "C1"}, READER)
    assert task(u, "apply", batch).element_id == "apply" and batch_attribute(u, batch) is None


def test_issue16_item7_the_reports_count_cuts_and_cuts_not_made_by_code(backend_utility: Utility) -> None:
    """One batch applied for under 04 (technical): one customer cut, one who paid before the trip
    left (C1), one protected before the trip (C2, cancelled by the outbox: its event carries the
    code), one whose flow an operator ended (C6)."""
    u = backend_utility
    owing(u, "3400000011", "3400000012", "3400000013", "3400000014")
    u.headend.set_behaviour(u.customer("3400000014").meter_address, "never")
    batch = apply(u, ["3400000011", "3400000012", "3400000013", "3400000014"], reason_code="04")
    complete(u, "approve", {"opinion": "agreed", "decision": "approve"}, APPROVER)
    issue(u)  # four trips queued, none sent yet
    record_payment(u.services.runtime, {"payment_id": "P-12", "customer_number": "3400000012", "amount": "320.00",
                                        "paid_at": u.services.clock.now().isoformat()})
    with u.services.db.transaction() as session:
        session.execute(update(Customer).where(Customer.number == "3400000013")
                        .values(protected_kind="life_support", protected_reason="home oxygen"))
    u.advance(timedelta(minutes=2))
    stuck = next(c for c in children(u, batch) if c.start_data and c.start_data["customer_number"] == "3400000014")
    u.services.runtime.terminate(stuck.id, "meter replaced, order void", SYSADMIN)
    with u.services.db.reading() as session:
        outcomes = {c.start_data["customer_number"]: (c.status, (c.result or {}).get("outcome"))
                    for c in session.execute(select(Instance).where(Instance.parent_id == batch)).scalars()}
        cancelled = session.execute(select(HistoryEvent.data).where(HistoryEvent.type == "command.cancelled")
                                    ).scalars().all()
        reports = build_reports(session, ReportPeriod(date(2026, 3, 2), date(2026, 3, 2)))
    assert outcomes == {"3400000011": ("completed", "disconnected"), "3400000012": ("completed", "cancelled_paid"),
                        "3400000013": ("completed", "cancelled_protected"), "3400000014": ("terminated", None)}
    # the outbox cancelled the protected customer's trip: its event carries the cause's code
    assert [(e["reason"].split(" (")[0], e["code"]) for e in cancelled] == [("customer is protected", "C2")]
    by_reason = {row.code: (row.cut, row.not_cut) for row in reports.reasons.by_reason}
    assert by_reason == {"01": (0, 0), "02": (0, 0), "03": (0, 0), "04": (1, 3)}
    by_cut_code = {row.code: (row.count, dict(row.causes)) for row in reports.reasons.by_cut_code if row.count}
    assert by_cut_code == {"C1": (1, {"cancelled_paid": 1}), "C2": (1, {"cancelled_protected": 1}),
                           "C6": (1, {"terminated": 1})}
