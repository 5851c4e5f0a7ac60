"""Issue 10 item 21: the worker seals once per ``SEAL_SECONDS``: one round seals what is old enough
as it starts, then rests — however fast events keep arriving (239 seals in 24 s were seen, the
worker's next rounds skipped as "maximum number of running instances reached")."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta

import pytest
import time_machine
from sqlalchemy import func, select
from sqlalchemy.orm import Session

import app.audit.seals
from app.audit.seals import Sealer
from app.bootstrap import Services
from storage.models import HistoryEvent, HistorySeal
from tests.conftest import EXECUTOR, deploy
from tests.integration.history_support import a_payment

LAG = timedelta(minutes=1)
PER_SEAL = 5


@pytest.mark.parametrize("writer_clock", ["ours", "behind"])
def test_events_arriving_during_a_round_wait_for_the_next_one(backend_services: Services,
                                                              monkeypatch: pytest.MonkeyPatch,
                                                              writer_clock: str) -> None:
    """Issue 10 item 21. A round needing several seals (a backlog over the per-seal maximum), and
    after each seal it commits a new payment arrives already old enough to seal while the round
    still runs: the clock moves past the lag ("ours"), or the payment comes from a machine whose
    clock is behind ("behind": stamped before the round began). The round seals the backlog it
    found and stops; the next round takes the arrivals."""
    services = backend_services
    assert services.sealer is not None
    sealer = Sealer(services.db, services.clock, services.sealer.key_path, services.sealer.anchor.path, LAG)
    monkeypatch.setattr(app.audit.seals, "MAX_EVENTS_PER_SEAL", PER_SEAL)
    with time_machine.travel("2026-03-02 09:00:00+00:00", tick=False) as clock:
        deploy(services, "approval.bpmn")
        for amount in range(3):
            services.runtime.start("approval", {"amount": amount}, EXECUTOR)
        clock.shift(LAG * 2)
        backlog, last_id = _events(services)
        arrived: list[int] = []

        def arrive_after_each_seal() -> None:
            if len(arrived) < 20:  # enough to keep the old loop going long past the backlog
                arrived.append(len(arrived))
                if writer_clock == "ours":
                    a_payment(services, {"payment": len(arrived)})
                    clock.shift(LAG * 2)
                else:
                    a_payment(services, {"payment": len(arrived)}, at=services.clock.now() - LAG * 2)

        with _after_each_seal(services, monkeypatch, arrive_after_each_seal):
            made = sealer.seal_all()

        assert made == math.ceil(backlog / PER_SEAL), f"{made} seals for a backlog of {backlog}"
        assert arrived and _sealed_through(services) == last_id  # nothing that arrived during the round
        assert sealer.seal_all() == math.ceil(len(arrived) / PER_SEAL)  # the next round takes them


def _events(services: Services) -> tuple[int, int]:
    with services.db.reading() as session:
        count, last = session.execute(select(func.count(HistoryEvent.id), func.max(HistoryEvent.id))).one()
    return count, last


def _sealed_through(services: Services) -> int:
    with services.db.reading() as session:
        return session.execute(select(func.max(HistorySeal.through_event_id))).scalar_one()


@contextmanager
def _after_each_seal(services: Services, monkeypatch: pytest.MonkeyPatch,
                     arrive: Callable[[], None]) -> Iterator[None]:
    """Calls ``arrive`` each time a transaction that adds a seal has committed."""
    real = services.db.transaction

    @contextmanager
    def transaction() -> Iterator[Session]:
        with real() as session:
            yield session
            sealing = any(isinstance(added, HistorySeal) for added in session.new)
        if sealing:
            arrive()

    monkeypatch.setattr(services.db, "transaction", transaction)
    yield
