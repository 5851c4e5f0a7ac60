"""What the task-form tests share: customers in arrears, open tasks, the way through a batch,
and a snapshot of everything a refused request must leave unchanged."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from sqlalchemy import func, select

from storage.domain_models import Customer, MeterCommand
from storage.models import HistoryEvent, Instance, UserTask
from tests.utility import seed_customer
from tests.web.conftest import Person, Site

READER = "reader-rui"  # the reader of segment S01 (tests.utility.seed_segment)
ACK = re.compile(rb'name="acknowledged" value="([0-9a-f]*)"')


def owing(site: Site, *numbers: str, **overrides: Any) -> None:
    """Connected customers of S01 who owe 320 yuan."""
    values = {"power_status": "connected", "owed_cents": 32_000, "overdue_since": date(2026, 1, 10), **overrides}
    for number in numbers:
        seed_customer(site.services, number, **values)


def open_task(site: Site, element_id: str, instance_id: int | None = None) -> UserTask:
    with site.services.db.reading() as session:
        query = select(UserTask).where(UserTask.element_id == element_id)
        if instance_id is not None:
            query = query.where(UserTask.instance_id == instance_id)
        return session.execute(query).scalar_one()


def open_elements(site: Site) -> list[str]:
    with site.services.db.reading() as session:
        return sorted(session.execute(select(UserTask.element_id)).scalars())


def instance(site: Site, instance_id: int) -> Instance:
    with site.services.db.reading() as session:
        row = session.get(Instance, instance_id)
        assert row is not None
        return row


def children(site: Site, parent_id: int) -> list[Instance]:
    with site.services.db.reading() as session:
        return list(session.execute(select(Instance).where(Instance.parent_id == parent_id)
                                    .order_by(Instance.id)).scalars())


def customer(site: Site, number: str) -> Customer:
    return site.utility.customer(number)


def snapshot(site: Site) -> tuple[Any, ...]:
    """History length, instances and their revisions, open tasks and claims, customers, commands."""
    with site.services.db.reading() as session:
        return (
            session.execute(select(func.count(HistoryEvent.id))).scalar_one(),
            session.execute(select(Instance.id, Instance.status, Instance.revision).order_by(Instance.id)).all(),
            session.execute(select(UserTask.id, UserTask.claimed_by).order_by(UserTask.id)).all(),
            session.execute(select(Customer.number, Customer.power_status).order_by(Customer.number)).all(),
            session.execute(select(func.count(MeterCommand.id))).scalar_one(),
        )


def start_application(person: Person) -> str:
    """Start a disconnection through the page; the id of the apply task it leads to."""
    response = person.post_form("/disconnections/new")
    assert response.status_code == 302, response.data
    return response.headers["Location"].rsplit("/", 1)[1]


def apply_via_api(person: Person, customers: list[str], planned_date: str = "2026-03-02") -> int:
    started = person.post_json("/api/disconnections", {})
    assert started.status_code == 201, started.data
    done = person.post_json(f"/api/tasks/{started.json['task_id']}/complete",
                            {"customers": customers, "reason": "arrears over 60 days", "planned_date": planned_date})
    assert done.status_code == 200, done.data
    return int(started.json["instance_id"])


def approve_via_api(site: Site, approver: Person, batch: int) -> None:
    task = open_task(site, "approve", batch)
    done = approver.post_json(f"/api/tasks/{task.id}/complete", {"opinion": "agreed", "decision": "approve"})
    assert done.status_code == 200, done.data


def acknowledgement(page: bytes) -> str:
    found = ACK.search(page)
    assert found, "the page shows warnings to acknowledge"
    return found.group(1).decode()
