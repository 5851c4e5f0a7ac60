"""A disconnection batch brought to just after its approval (the M4.1 application and M4.2 approval
done through the runtime), for browser tests of what an analyst added after the approval."""

from __future__ import annotations

from sqlalchemy import select

from app.runtime.actors import Actor
from storage.models import UserTask
from tests.browser.conftest import LiveSite
from tests.utility import NOW
from tests.web.task_forms_support import owing

APPLICANT = Actor("reader-rui", frozenset({"applicant"}))
APPROVER = Actor("bo", frozenset({"approver"}))


def open_task_id(live: LiveSite, element_id: str) -> str:
    with live.services.db.reading() as session:
        return str(session.execute(select(UserTask.id).where(UserTask.element_id == element_id)).scalar_one())


def approved_batch(live: LiveSite, customer_number: str) -> int:
    """A batch of one owing customer, applied for and approved: the instance id."""
    owing(live, customer_number)
    runtime = live.services.runtime
    batch = runtime.start("disconnect", {}, APPLICANT)
    runtime.complete_task(open_task_id(live, "apply"), {"customers": [customer_number], "reason": "arrears",
                                                        "planned_date": str(NOW.date())}, APPLICANT)
    runtime.complete_task(open_task_id(live, "approve"), {"opinion": "ok", "decision": "approve"}, APPROVER)
    return batch
