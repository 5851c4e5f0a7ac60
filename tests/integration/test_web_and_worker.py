"""The web app's status pages and the worker's jobs."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from apscheduler.schedulers.background import BackgroundScheduler
from flask import Flask
from sqlalchemy import select, update

from app.bootstrap import Services
from app.runtime.errors import Conflict
from app.runtime.events.messages import store_children_done
from app.usecases.jobs import PeriodicJob, wake_and_recover
from app.worker import Worker
from storage.models import ChildBatch, Instance
from tests.conftest import EXECUTOR, deploy


def test_health_is_public_and_the_home_page_asks_for_sign_in(app: Flask) -> None:
    deploy(app.extensions["relayflow"], "timer_wait.bpmn")
    client = app.test_client()
    health = client.get("/healthz")
    assert health.status_code == 200 and health.json == {"status": "ok"}
    page = client.get("/")
    assert page.status_code == 302 and "/login" in page.headers["Location"]


def test_refusals_are_a_status_and_a_message_never_a_stack_trace(app: Flask) -> None:
    @app.get("/api/boom")
    def boom() -> str:
        raise Conflict("task 7 is claimed by bob")

    @app.get("/crash")
    def crash() -> str:
        raise RuntimeError("secret internals")

    client = app.test_client()
    refused = client.get("/api/boom")
    assert (refused.status_code, refused.json) == (409, {"error": "task 7 is claimed by bob"})
    crashed = client.get("/crash")
    assert crashed.status_code == 500 and b"secret internals" not in crashed.data
    assert "已记录".encode() in crashed.data  # a page in the operator's language
    missing = client.get("/api/nope")
    assert missing.status_code == 404 and missing.json["error"]
    assert client.get("/nope").status_code == 404


def test_the_worker_schedules_its_jobs_in_memory(services: Services) -> None:
    ran: list[str] = []
    worker = Worker([*services.jobs[:2], PeriodicJob("patrol", lambda: ran.append("patrol"), seconds=900)],
                    services.db, services.clock)
    scheduler = worker.schedule(BackgroundScheduler(timezone="UTC"))
    jobs = {job.id: job for job in scheduler.get_jobs()}
    assert set(jobs) == {"tick", "outbox", "patrol", "heartbeat"}
    assert jobs["patrol"].trigger.interval == timedelta(seconds=900)
    assert all(store == "default" for store in scheduler._jobstores)  # the in-memory store only
    jobs["patrol"].func()
    assert ran == ["patrol"]


def test_a_tick_recovers_children_a_crash_left_unstarted(services: Services, clock: time_machine.Coordinates,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    deploy(services, "batch.bpmn", "batch_item.bpmn")
    monkeypatch.setattr(services.runtime, "start_all_created", lambda *_a: 0)  # the process dies after commit
    parent = services.runtime.start("batch", {"count": 3}, EXECUTOR)
    monkeypatch.undo()  # the worker restarts
    with services.db.reading() as session:
        assert set(session.execute(select(Instance.status).where(Instance.parent_id == parent)).scalars()) == {
            "created"}

    assert wake_and_recover(services.runtime) == 3
    clock.shift(timedelta(hours=1, seconds=1))
    wake_and_recover(services.runtime)
    with services.db.reading() as session:
        row = session.get(Instance, parent)
    assert row is not None and row.result == {"total": 6, "count": 3}


def test_a_tick_delivers_a_message_stored_for_a_waiting_instance(services: Services) -> None:
    deploy(services, "batch.bpmn", "batch_item.bpmn")
    parent = services.runtime.start("batch", {"count": 1}, EXECUTOR)
    with services.db.transaction() as session:  # as if the child ended and the process died before the poke
        session.execute(update(Instance).where(Instance.id == parent + 1)
                        .values(status="completed", result={"doubled": 8}))
        session.execute(update(ChildBatch).values(open_count=0))
        store_children_done(session, 1, parent, "relayflow.children_done", services.clock.now())
    assert wake_and_recover(services.runtime) == 1
    with services.db.reading() as session:
        row = session.get(Instance, parent)
    assert row is not None and row.result == {"total": 8, "count": 1}
