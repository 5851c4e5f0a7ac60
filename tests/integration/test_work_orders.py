"""M5.1 work-order numbers: unique and gap-free under concurrent workers; running out is an error
and an alert, never a duplicate."""

from __future__ import annotations

import logging
import multiprocessing
from types import SimpleNamespace

import pytest

from app.bootstrap import Services
from app.rules.work_orders import Series, WorkOrderNumbersExhausted, series_from_config
from handlers.work_orders import allocate_number
from storage.db import Database
from storage.work_orders import take_next
from tests.integration.work_order_race import allocate

SPAWN = multiprocessing.get_context("spawn")


def test_m5_1_two_workers_allocating_numbers_get_each_number_once_without_gaps(database_url: str) -> None:
    barrier, results = SPAWN.Barrier(2), SPAWN.Queue()
    workers = [SPAWN.Process(target=allocate, args=(database_url, "auto", 150, barrier, results)) for _ in range(2)]
    for worker in workers:
        worker.start()
    taken = [results.get(timeout=120) for _ in workers]
    for worker in workers:
        worker.join(timeout=30)
    everything = sorted(taken[0] + taken[1])
    assert everything == list(range(1, 301))  # unique and gap-free


def test_a_rolled_back_transaction_gives_its_number_back(database_url: str) -> None:
    db = Database(database_url)
    with db.transaction() as session:
        assert take_next(session.connection(), "manual") == 1
    with pytest.raises(RuntimeError), db.transaction() as session:
        take_next(session.connection(), "manual")
        raise RuntimeError("the step failed")
    with db.transaction() as session:
        assert take_next(session.connection(), "manual") == 2
    db.dispose()


def test_m5_1_default_series_and_formats() -> None:
    series = series_from_config(None)
    assert series["auto"].format(1) == "10000001" and len(series["auto"].format(999_999)) == 8
    assert series["manual"].format(1) == "140000000001" and len(series["manual"].format(1)) == 12
    custom = series_from_config({"auto": {"prefix": "21", "length": 10}})
    assert custom["auto"].format(7) == "2100000007"


def test_running_out_of_numbers_is_a_clear_error_never_a_duplicate() -> None:
    tiny = Series("auto", "10", 4)
    assert tiny.format(99) == "1099"
    with pytest.raises(WorkOrderNumbersExhausted, match="no number left after 99"):
        tiny.format(100)


def test_an_exhausted_series_raises_an_alert_in_the_step(services: Services, caplog: pytest.LogCaptureFixture) -> None:
    with services.db.transaction() as session:
        for _ in range(99):
            take_next(session.connection(), "auto")
        ctx = SimpleNamespace(session=session)
        with caplog.at_level(logging.ERROR, logger="relayflow.work_orders"), \
                pytest.raises(WorkOrderNumbersExhausted):
            allocate_number(ctx, {"auto": Series("auto", "10", 4)}, "auto")  # type: ignore[arg-type]
    assert "ALERT" in caplog.text
