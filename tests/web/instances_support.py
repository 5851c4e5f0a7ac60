"""Instances to look at, made by the real processes: the patrol's reconnections (remote, on site,
waiting for the head-end), one that fails at once, and a disconnection batch with children."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from app.runtime.actors import Actor
from app.usecases.reconnections import run_patrol
from storage.models import HistoryEvent, Incident, Instance, UserTask
from tests.utility import NOW, seed_customer
from tests.web.conftest import Site

APPLICANT = Actor("reader-rui", frozenset({"applicant"}))  # the reader of segment S01
APPROVER = Actor("bo", frozenset({"approver"}))
EXECUTOR = Actor("erin", frozenset({"executor"}))
UNKNOWN_CUSTOMER = "3400009999"


def reconnection(site: Site, number: str, *, behaviour: str | None = None, **fields: Any) -> int:
    """A disconnected, paid-up customer and the patrol's reconnection instance for them."""
    seed_customer(site.services, number, **fields)
    if behaviour is not None:
        site.utility.headend.set_behaviour(site.utility.customer(number).meter_address, behaviour)
    assert run_patrol(site.services.runtime).started == 1
    site.utility.run()
    return newest(site)


def failing_reconnection(site: Site) -> int:
    """A reconnection for a customer the archive does not know: an incident at its first step."""
    return site.services.runtime.start("reconnect", {"customer_number": UNKNOWN_CUSTOMER}, Actor.system("test"))


def disconnection_batch(site: Site, *numbers: str) -> int:
    """A disconnection applied for, approved and issued: one child instance per customer."""
    for number in numbers:
        seed_customer(site.services, number, power_status="connected", owed_cents=32_000,
                      overdue_since=NOW.date().replace(month=1))
    runtime = site.services.runtime
    batch = runtime.start("disconnect", {}, APPLICANT)
    complete(site, batch, "apply", {"customers": list(numbers), "reason": "arrears over 60 days",
                                    "planned_date": str(NOW.date())}, APPLICANT)
    complete(site, batch, "approve", {"opinion": "agreed", "decision": "approve"}, APPROVER)
    complete(site, batch, "issue", {"keep": {}, "cancel": []}, EXECUTOR)
    site.utility.run()
    return batch


def complete(site: Site, instance_id: int, element_id: str, data: dict[str, Any], actor: Actor) -> None:
    site.services.runtime.complete_task(task_of(site, instance_id, element_id), data, actor)


def task_of(site: Site, instance_id: int, element_id: str) -> str:
    with site.services.db.reading() as session:
        return str(session.execute(select(UserTask.id).where(
            UserTask.instance_id == instance_id, UserTask.element_id == element_id)).scalar_one())


def newest(site: Site) -> int:
    with site.services.db.reading() as session:
        return int(session.execute(select(func.max(Instance.id))).scalar_one())


def status(site: Site, instance_id: int) -> str:
    with site.services.db.reading() as session:
        return str(session.execute(select(Instance.status).where(Instance.id == instance_id)).scalar_one())


def open_incidents(site: Site, instance_id: int) -> list[int]:
    with site.services.db.reading() as session:
        return list(session.execute(select(Incident.id).where(
            Incident.instance_id == instance_id, Incident.resolved_at.is_(None))).scalars())


def history(site: Site, instance_id: int) -> list[tuple[str, str, dict[str, Any]]]:
    """(type, actor, data) of every event of the instance, in order."""
    with site.services.db.reading() as session:
        rows = session.execute(select(HistoryEvent.type, HistoryEvent.actor, HistoryEvent.data)
                               .where(HistoryEvent.stream == f"instance/{instance_id}")
                               .order_by(HistoryEvent.seq))
    return [(kind, actor, data) for kind, actor, data in rows]


def snapshot(site: Site, instance_id: int) -> tuple[str, int, list[int]]:
    """What a refused call must leave as it was: status, history length, open incidents."""
    return status(site, instance_id), len(history(site, instance_id)), open_incidents(site, instance_id)
