"""Helpers for tests of the utility's real processes (bpmn/): seed the archive, drive time."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import time_machine
from flask import Flask
from sqlalchemy import select

from app import create_app
from app.bootstrap import Services, bpmn_files
from app.config import PROJECT_ROOT
from app.runtime.actors import Actor
from handlers.headend import TickingHeadEnd
from handlers.headend_simulator import SimulatedHeadEnd
from storage.domain_models import Customer, Segment, SmsSubscription
from tests.conftest import outside_the_database

BPMN_DIR = PROJECT_ROOT / "bpmn"
# The tests of everything but the cut window cut at once: a test double of the shipped table (issue 16).
OPEN_CUT_WINDOW = PROJECT_ROOT / "tests" / "bpmn" / "cut_window_open.dmn"
SHIPPED_CUT_WINDOW = BPMN_DIR / "cut_window.dmn"
NOW = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)  # 09:00 in Beijing
DEPLOYER = Actor("analyst-ann", frozenset({"analyst", "sysadmin"}))
READER_MOBILE = "13900000001"


def child_bundle(cut_window: Path = OPEN_CUT_WINDOW) -> dict[str, bytes]:
    """The shipped disconnect_customer.bpmn with the cut-window table it calls (one bundle)."""
    return {"disconnect_customer.bpmn": (BPMN_DIR / "disconnect_customer.bpmn").read_bytes(),
            "cut_window.dmn": cut_window.read_bytes()}


def build_utility_app(url: str, tmp_path: Path, live_cache_size: int = 512, cut_window: Path = OPEN_CUT_WINDOW,
                      **config: Any) -> Flask:
    app = create_app({
        "TESTING": True, "DATABASE_URL": url, "BPMN_DIR": str(BPMN_DIR), "SECRET_KEY": "test",
        "SMS_LOG_PATH": str(tmp_path / "sms.jsonl"), "HEADEND_TOKEN": "hes-token", "BILLING_TOKEN": "bill-token",
        "LIVE_CACHE_SIZE": live_cache_size, "CHECK_API_ANSWERS": True, **outside_the_database(tmp_path), **config,
    })
    services: Services = app.extensions["relayflow"]
    services.deploy_files({**bpmn_files(BPMN_DIR), "cut_window.dmn": cut_window.read_bytes()}, DEPLOYER)
    return app


@dataclass
class Utility:
    """The app, its services, the simulated head-end, the SMS log and the travelling clock."""

    app: Flask
    services: Services
    clock: time_machine.Coordinates
    sms_log: Path
    ticks: list[Callable[[], int]] = field(default_factory=list)  # what else answers (a head-end over HTTP)

    @property
    def headend(self) -> SimulatedHeadEnd:
        adapter = self.services.dispatcher.adapters["headend"]
        assert isinstance(adapter, SimulatedHeadEnd)
        return adapter

    def run(self) -> None:
        """Everything the worker does, once: outbox, the head-end's tick (simulator answers, relay
        polls), timers, follow-ups."""
        for _ in range(10):
            sent = self.services.dispatcher.dispatch()
            adapter = self.services.dispatcher.adapters["headend"]
            answered = adapter.tick() if isinstance(adapter, TickingHeadEnd) else 0  # as the worker's job does
            answered += sum(tick() for tick in self.ticks)
            woken = self.services.runtime.wake_due()
            recovered = self.services.runtime.recover()
            if not (sent or answered or woken or recovered):
                return

    def advance(self, duration: timedelta, step: timedelta = timedelta(minutes=1)) -> None:
        """Travel ``duration`` in steps, letting the worker run after each."""
        self.run()
        left = duration
        while left > timedelta(0):
            move = min(step, left)
            self.clock.shift(move)
            left -= move
            self.run()

    def sms(self) -> list[dict[str, Any]]:
        if not self.sms_log.exists():
            return []
        return [json.loads(line) for line in self.sms_log.read_text().splitlines() if line.strip()]

    def customer(self, number: str) -> Customer:
        with self.services.db.reading() as session:
            return session.execute(select(Customer).where(Customer.number == number)).scalar_one()


def seed_segment(services: Services, code: str = "S01", reader: str | None = "reader-rui",
                 mobile: str | None = READER_MOBILE) -> None:
    with services.db.transaction() as session:
        session.add(Segment(code=code, name=f"Segment {code}", reader_username=reader, reader_mobile=mobile))


def seed_customer(services: Services, number: str, **overrides: Any) -> None:
    """A low-voltage household, AMI-connected, online, direct-close meter, flagged, disconnected
    and owing nothing — override any field."""
    subscribed = overrides.pop("subscribed", ("disconnection", "reconnection"))
    values: dict[str, Any] = {
        "number": number, "name": f"Customer {number}", "mobile": "13800138000", "address": f"{number} Huaihe Road",
        "customer_class": "household", "voltage_class": "low", "segment_code": "S01",
        "meter_address": f"{int(number[-6:]):012d}", "meter_protocol": "dlt645", "relay_type": "internal",
        "can_direct_close": True, "ami_connected": True, "channel_online": True, "channel_seen_at": NOW,
        "power_status": "disconnected", "power_status_since": NOW - timedelta(days=3), "auto_reconnect": True,
        "owed_cents": 0,
    }
    values.update(overrides)
    with services.db.transaction() as session:
        customer = Customer(**values)
        session.add(customer)
        session.flush()
        session.add_all(SmsSubscription(customer_id=customer.id, notice_type=kind, subscribed_at=NOW)
                        for kind in subscribed)


@pytest.fixture
def utility(sqlite_url: str, tmp_path: Path) -> Iterator[Utility]:
    yield from travelling_utility(sqlite_url, tmp_path)


@pytest.fixture
def backend_utility(database_url: str, tmp_path: Path) -> Iterator[Utility]:
    """``utility`` on SQLite and on PostgreSQL."""
    yield from travelling_utility(database_url, tmp_path)


def travelling_utility(url: str, tmp_path: Path, **config: Any) -> Iterator[Utility]:
    """The utility at tests.utility.NOW, frozen until a test moves the clock; ``config`` overrides."""
    with time_machine.travel(NOW, tick=False) as traveller:
        app = build_utility_app(url, tmp_path, **config)
        services = app.extensions["relayflow"]
        seed_segment(services)
        yield Utility(app, services, traveller, tmp_path / "sms.jsonl")
        services.db.dispose()
