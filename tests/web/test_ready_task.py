"""``Runtime.ready_task``: what the task pages show of an open task — its data as the engine holds
it and its diagram's properties and instructions — read without changing, locking or caching
anything; a task that is not open is a 404."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from app.runtime.errors import NotFound
from storage.models import Instance
from tests.utility import NOW
from tests.web.conftest import Site
from tests.web.instances_support import APPLICANT, complete, reconnection, task_of
from tests.web.task_forms_support import owing


def saved(site: Site, instance_id: int) -> tuple[Any, ...]:
    with site.services.db.reading() as session:
        return tuple(session.execute(select(Instance.revision, Instance.updated_at, Instance.state)
                                     .where(Instance.id == instance_id)).one())


def test_an_open_task_reads_as_the_engine_holds_it_and_nothing_changes(site: Site) -> None:
    owing(site, "3400000011")
    runtime = site.services.runtime
    batch = runtime.start("disconnect", {}, APPLICANT)
    apply = task_of(site, batch, "apply")
    complete(site, batch, "apply", {"customers": ["3400000011"], "reason": "arrears over 60 days",
                                    "planned_date": str(NOW.date())}, APPLICANT)
    approve = task_of(site, batch, "approve")
    before, cache = saved(site, batch), (runtime.live.hits, runtime.live.misses)
    with site.services.db.reading() as session:
        ready = runtime.ready_task(session, approve)
    assert ready.data["customers"] == ["3400000011"] and ready.data["applicant"] == APPLICANT.name
    assert ready.data["reason"] == "arrears over 60 days"
    assert ready.properties["validator"] == "disconnection.approval" and ready.instructions is None
    assert saved(site, batch) == before and (runtime.live.hits, runtime.live.misses) == cache
    with site.services.db.reading() as session:
        for gone in (apply, "00000000-0000-0000-0000-000000000000", "not-a-task"):
            with pytest.raises(NotFound):
                runtime.ready_task(session, gone)


def test_a_task_s_instructions_come_from_its_diagram(site: Site) -> None:
    on_site = reconnection(site, "3400000002", auto_reconnect=False)
    with site.services.db.reading() as session:
        ready = site.services.runtime.ready_task(session, task_of(site, on_site, "on_site"))
    assert ready.instructions is not None and "{{ customer.number }}" in ready.instructions
    assert ready.data["customer"]["number"] == "3400000002"
