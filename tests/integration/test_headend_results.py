"""Meter commands out (send_command / expire_command) and head-end results back (receive_result,
the callback endpoint), on a real database."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, cast

import pytest
import time_machine
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.test import TestResponse

from app import create_app
from app.bootstrap import Services
from app.runtime.api import Runtime
from app.runtime.contract import ServiceContext
from app.runtime.errors import NotFound, RuntimeActionError
from app.usecases.headend_results import InvalidResult, result_within
from handlers.headend import expire_command, send_command
from storage.domain_models import Customer, MeterCommand, Segment
from storage.models import InboundMessage
from tests.doubles import RecordingAdapter, TestHandlers

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
METER = "000000123456"


def receive_result(runtime: Runtime, payload: dict[str, Any]) -> dict[str, Any]:
    """A result recorded and delivered, without the reconnection it may start once committed (these
    tests deploy no ``reconnect`` process)."""
    with runtime.unit() as unit:
        taken = result_within(runtime, unit, payload)
    taken.then = None
    return taken.finish()


def seed_customer(services: Services, number: str = "C001", meter: str = METER) -> None:
    with services.db.transaction() as session:
        if session.get(Segment, "S01") is None:
            session.add(Segment(code="S01", name="North route", reader_username="rita", reader_mobile="13800000000"))
            session.flush()
        session.add(Customer(
            number=number, name="Li Lei", customer_class="household", voltage_class="low", segment_code="S01",
            meter_address=meter, meter_protocol="dlt645", relay_type="internal", can_direct_close=True,
            ami_connected=True, channel_online=True, power_status_since=T0,
        ))


def seed_command(services: Services, command_id: str = "HES-1-abc", status: str = "queued") -> None:
    with services.db.transaction() as session:
        customer = session.execute(select(Customer).where(Customer.number == "C001")).scalar_one()
        session.add(MeterCommand(command_id=command_id, customer_id=customer.id, meter_address=METER, action="trip",
                                 status=status, created_at=T0, deadline=T0 + timedelta(minutes=30)))


def command_row(services: Services, command_id: str = "HES-1-abc") -> MeterCommand:
    with services.db.reading() as session:
        return session.execute(select(MeterCommand).where(MeterCommand.command_id == command_id)).scalar_one()


def result(stage: str, result_id: str = "R1", **extra: Any) -> dict[str, Any]:
    return {"result_id": result_id, "command_id": "HES-1-abc", "stage": stage, "at": "2026-03-02T17:01:00+08:00",
            **extra}


@pytest.fixture
def seeded(services: Services, clock: time_machine.Coordinates) -> Services:
    """C001 with a queued trip, at T0 (a result's time must be recent: issue 10 item 3)."""
    seed_customer(services)
    seed_command(services)
    return services


# --- receive_result ------------------------------------------------------------------------

def test_accepted_is_recorded_but_not_delivered(seeded: Services) -> None:
    outcome = receive_result(seeded.runtime, result("accepted"))
    assert outcome == {"result_id": "R1", "command_id": "HES-1-abc", "stage": "accepted", "delivery": "recorded"}
    row = command_row(seeded)
    assert (row.status, row.accepted_at, row.relay) == ("accepted", datetime(2026, 3, 2, 9, 1, tzinfo=UTC), None)
    with seeded.db.reading() as session:
        assert session.execute(select(InboundMessage)).first() is None


def test_executed_sets_the_relay_and_stores_the_message_for_the_instance(seeded: Services) -> None:
    receive_result(seeded.runtime, result("accepted", "R1"))
    outcome = receive_result(seeded.runtime, result("executed", "R2", relay="open"))
    assert outcome["delivery"] == "stored"
    row = command_row(seeded)
    assert (row.status, row.relay, row.executed_at) == ("executed", "open", datetime(2026, 3, 2, 9, 1, tzinfo=UTC))
    assert row.result is not None and row.result["result_id"] == "R2"
    with seeded.db.reading() as session:
        message = session.execute(select(InboundMessage)).scalar_one()
    assert (message.message_name, message.correlation) == ("headend_result", "HES-1-abc")
    assert message.payload == {"command_id": "HES-1-abc", "stage": "executed", "relay": "open",
                               "at": "2026-03-02T09:01:00+00:00", "error": None}


def test_the_same_result_twice_changes_nothing(seeded: Services) -> None:
    receive_result(seeded.runtime, result("failed", "R9", error="relay did not operate"))
    before = command_row(seeded)
    again = receive_result(seeded.runtime, result("failed", "R9", error="relay did not operate"))
    assert again["delivery"] == "duplicate"
    after = command_row(seeded)
    assert (after.status, after.error, after.result) == (before.status, before.error, before.result)
    assert after.status == "failed" and after.error == "relay did not operate"
    with seeded.db.reading() as session:
        assert len(session.execute(select(InboundMessage)).all()) == 1


def test_a_contradicting_later_result_is_kept_but_not_applied(seeded: Services) -> None:
    receive_result(seeded.runtime, result("executed", "R1", relay="open"))
    receive_result(seeded.runtime, result("failed", "R2", error="late failure"))
    row = command_row(seeded)
    assert (row.status, row.relay) == ("executed", "open")
    assert row.result is not None and [e["result_id"] for e in row.result["later"]] == ["R2"]


def test_a_result_for_an_expired_command_is_recorded_but_the_status_stays(seeded: Services) -> None:
    with seeded.db.transaction() as session:
        session.execute(select(MeterCommand)).scalar_one().status = "expired"
    receive_result(seeded.runtime, result("accepted", "R1"))
    receive_result(seeded.runtime, result("executed", "R2", relay="open"))
    row = command_row(seeded)
    assert (row.status, row.relay) == ("expired", None)
    assert row.result is not None and row.result["relay"] == "open"


@pytest.mark.parametrize(("payload", "error", "message"), [
    ({"command_id": "HES-1-abc", "stage": "accepted", "at": "2026-03-02T09:00:00Z"}, InvalidResult, "result_id"),
    (result("accepted", colour="red"), InvalidResult, "unknown field"),
    ({**result("accepted"), "result_id": 7}, InvalidResult, "result_id"),
    (result("done"), InvalidResult, "unknown stage"),
    (result("executed"), InvalidResult, "relay state"),
    (result("executed", relay="ajar"), InvalidResult, "relay must be"),
    (result("failed", error=3), InvalidResult, "error must be"),
    ({**result("accepted"), "at": "yesterday"}, InvalidResult, "ISO-8601"),
    ({**result("accepted"), "at": "2026-03-02T09:00:00"}, InvalidResult, "time zone"),
    ({**result("accepted"), "command_id": "HES-404"}, NotFound, "HES-404"),
    # issue 10 items 3, 5 and 19: the same strict time as a payment's, and text a database can hold
    ({**result("accepted"), "at": "2099-01-01T00:00:00+08:00"}, InvalidResult, "at '2099"),
    ({**result("accepted"), "at": "2025-11-01T00:00:00+08:00"}, InvalidResult, "at '2025"),
    ({**result("accepted"), "at": "0001-01-01T00:00:00+14:00"}, InvalidResult, "at '0001"),
    ({**result("accepted"), "at": "２０２６-03-02T17:01:00+08:00"}, InvalidResult, "at "),
    ({**result("accepted"), "result_id": "R\x001"}, InvalidResult, "result_id"),
    ({**result("accepted"), "command_id": "HES-1-abc\ud800"}, InvalidResult, "command_id"),
    (result("failed", error="relay\x00stuck"), InvalidResult, "error holds"),
    (result("failed", error="x" * 2001), InvalidResult, "error is longer than 2000"),
    (result("accepted", relay=["open"]), InvalidResult, "relay must be"),
])
def test_bad_results_are_refused_with_a_plain_message(seeded: Services, payload: dict[str, Any],
                                                      error: type[RuntimeActionError], message: str) -> None:
    with pytest.raises(error, match=re.escape(message)):
        receive_result(seeded.runtime, payload)
    assert command_row(seeded).status == "queued"


def test_a_multi_line_failure_reason_is_taken(seeded: Services) -> None:
    receive_result(seeded.runtime, result("failed", error="no answer\nretried twice"))
    assert command_row(seeded).error == "no answer\nretried twice"


# --- send_command / expire_command -----------------------------------------------------------

@dataclass
class FakeContext:
    """Just what the operators use of a ServiceContext; records every send."""

    session: Session
    now: datetime = T0
    instance_id: int = 7
    task_id: str = "3f1c0e9a-0000-4000-8000-000000000001"
    sent: list[tuple[str, dict[str, Any], str | None]] = field(default_factory=list)

    def send(self, adapter: str, payload: dict[str, Any], *, key: str | None = None) -> str:
        self.sent.append((adapter, dict(payload), key))
        return f"{self.instance_id}:{self.task_id}:{key}"


@pytest.fixture
def customer(services: Services) -> Services:
    seed_customer(services)
    return services


def call(services: Services, operator: Any, ctx_args: dict[str, Any] | None = None,
         **params: Any) -> tuple[dict[str, Any], FakeContext]:
    with services.db.transaction() as session:
        ctx = FakeContext(session, **(ctx_args or {}))
        return operator(cast(ServiceContext, ctx), **params), ctx


def test_send_command_queues_a_command_and_its_outbox_send(customer: Services) -> None:
    answer, ctx = call(customer, send_command, customer_number="C001", action="direct_close")
    assert answer["status"] == "queued" and answer["meter_address"] == METER
    assert answer["command_id"].startswith("HES-7-")
    row = command_row(customer, answer["command_id"])
    assert (row.status, row.action, row.deadline) == ("queued", "direct_close", T0 + timedelta(minutes=30))
    assert ctx.sent == [("headend", {"command_id": answer["command_id"], "meter_address": METER,
                                     "action": "direct_close", "deadline": "2026-03-02T09:30:00+00:00"}, "command")]


def test_a_second_command_for_the_meter_is_busy_while_the_first_is_in_flight(customer: Services) -> None:
    first, _ = call(customer, send_command, customer_number="C001", action="trip")
    second, ctx = call(customer, send_command, {"task_id": "another-task", "now": T0 + timedelta(minutes=10)},
                       customer_number="C001", action="direct_close")
    assert second == {"status": "busy", "command_id": None, "busy_with": first["command_id"]}
    assert ctx.sent == []


def test_an_overdue_command_frees_the_meter(customer: Services) -> None:
    first, _ = call(customer, send_command, customer_number="C001", action="trip", validity_minutes=5)
    second, _ = call(customer, send_command, {"task_id": "another-task", "now": T0 + timedelta(minutes=6)},
                     customer_number="C001", action="direct_close")
    assert second["status"] == "queued" and second["command_id"] != first["command_id"]
    assert command_row(customer, first["command_id"]).status == "expired"


def test_a_retried_task_reuses_its_command(customer: Services) -> None:
    first, _ = call(customer, send_command, customer_number="C001", action="trip")
    again, ctx = call(customer, send_command, {"now": T0 + timedelta(minutes=1)}, customer_number="C001",
                      action="trip")
    assert again == first
    assert [key for _, _, key in ctx.sent] == ["command"]  # same task, same outbox key: sent once outside
    with customer.db.reading() as session:
        assert len(session.execute(select(MeterCommand)).all()) == 1


def test_unknown_customer_or_action_is_an_error(customer: Services) -> None:
    with pytest.raises(LookupError, match="C404"):
        call(customer, send_command, customer_number="C404", action="trip")
    with pytest.raises(ValueError, match="unknown meter action"):
        call(customer, send_command, customer_number="C001", action="explode")


def test_expire_command_only_touches_a_command_in_flight(seeded: Services) -> None:
    answer, _ = call(seeded, expire_command, command_id="HES-1-abc")
    # C001 owes nothing: the trip may have landed, so it counts as cut (old → new in the answer, issue 5)
    assert answer == {"command_id": "HES-1-abc", "status": "expired", "old_status": "queued", "customer": "C001",
                      "power_status": ["connected", "disconnected"]}
    seed_command(seeded, "HES-1-done", status="executed")
    answer, _ = call(seeded, expire_command, command_id="HES-1-done")
    assert answer == {"command_id": "HES-1-done", "status": "executed"}


# --- the callback endpoint -------------------------------------------------------------------

@pytest.fixture
def api_app(sqlite_url: str, handlers: TestHandlers, adapters: dict[str, RecordingAdapter],
            tmp_path: Path, clock: time_machine.Coordinates) -> Iterator[Flask]:
    application = create_app({
        "TESTING": True, "DATABASE_URL": sqlite_url, "HANDLERS": handlers.table(), "OUTBOX_ADAPTERS": adapters,
        "BPMN_DIR": str(tmp_path / "no-bpmn"), "SECRET_KEY": "test", "HEADEND_TOKEN": "t0ken",
    })
    seed_customer(application.extensions["relayflow"])
    seed_command(application.extensions["relayflow"])
    yield application
    application.extensions["relayflow"].db.dispose()


AUTH = {"Authorization": "Bearer t0ken"}


def body(response: TestResponse) -> Any:
    return response.json


def test_the_endpoint_wants_the_token(api_app: Flask) -> None:
    client = api_app.test_client()
    assert client.post("/api/headend/results", json=result("accepted")).status_code == 401
    wrong = client.post("/api/headend/results", json=result("accepted"), headers={"Authorization": "Bearer nope"})
    assert wrong.status_code == 401 and "Bearer" in body(wrong)["error"]
    assert command_row(api_app.extensions["relayflow"]).status == "queued"


def test_the_endpoint_refuses_bodies_it_cannot_read(api_app: Flask) -> None:
    client = api_app.test_client()
    not_json = client.post("/api/headend/results", data="stage=accepted", headers=AUTH)
    assert not_json.status_code == 400 and "JSON object" in body(not_json)["error"]
    bad = client.post("/api/headend/results", json=result("executed"), headers=AUTH)
    assert (bad.status_code, bad.json) == (400, {"error": "an executed result must say the relay state "
                                                          "('open' or 'closed')"})
    unknown = client.post("/api/headend/results", json={**result("accepted"), "command_id": "X"}, headers=AUTH)
    assert unknown.status_code == 404 and "X" in body(unknown)["error"]


def test_the_endpoint_records_a_result(api_app: Flask) -> None:
    answer = api_app.test_client().post("/api/headend/results", json=result("executed", relay="open"), headers=AUTH)
    assert (answer.status_code, answer.json) == (200, {"result_id": "R1", "command_id": "HES-1-abc",
                                                       "stage": "executed", "delivery": "stored",
                                                       "reconnection_instance": None})
    assert command_row(api_app.extensions["relayflow"]).status == "executed"


def test_a_batch_goes_on_past_a_bad_item(api_app: Flask) -> None:
    batch = [result("accepted", "R1"), result("executed", "R2"), "junk", result("executed", "R3", relay="open")]
    answer = api_app.test_client().post("/api/headend/results", json=batch, headers=AUTH)
    assert answer.status_code == 200
    assert [(item["ok"], item.get("status")) for item in body(answer)] == [(True, None), (False, 400),
                                                                          (False, 400), (True, None)]
    assert body(answer)[1]["result_id"] == "R2" and "relay" in body(answer)[1]["error"]
    assert command_row(api_app.extensions["relayflow"]).status == "executed"


def test_without_a_configured_token_the_endpoint_is_closed(app: Flask) -> None:
    answer = app.test_client().post("/api/headend/results", json=result("accepted"), headers=AUTH)
    assert (answer.status_code, answer.json) == (503, {"error": "head-end callbacks are not configured"})
