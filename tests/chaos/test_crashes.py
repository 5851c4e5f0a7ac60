"""Crash tests (issue 14 item 5), small numbers: real worker processes killed with ``kill -9`` while
customers pay and the head-end answers; nothing lost, stuck, keyed twice or left unverifiable.
``benchmarks/chaos.py`` runs the same with big numbers."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.chaos.harness import CrashRun, kill_the_web_process_while_billing_retries


@pytest.mark.parametrize("workers", [1, 2], ids=["one-worker", "two-workers"])
def test_killed_workers_lose_nothing(database_url: str, tmp_path: Path, workers: int) -> None:
    if workers == 2 and database_url.startswith("sqlite"):
        workers = 1  # SQLite supports one worker (a second is refused): the same run with one
    run = CrashRun(database_url, tmp_path, customers=24, workers=workers)
    try:
        report = run.run(kills=5)
    finally:
        run.close()
    print("\n".join(report.lines()))
    assert report.kills == 5
    assert report.lost == [] and report.stuck == [] and report.incidents == 0, report.lines()
    assert report.completed + report.waiting_on_timer + report.waiting_on_task == report.reconnections == 24
    assert set(report.keys_per_attempt) == {1}, report.keys_per_attempt
    assert report.sms_applied_twice == 0
    assert report.audit_clean, report.audit_output


def test_a_killed_web_process_loses_no_payment_and_counts_none_twice(database_url: str, tmp_path: Path) -> None:
    """Billing retries each payment with the same id until it gets an answer, while the web process
    is killed with kill -9: every payment recorded once, every customer paid up and reconnected."""
    run = CrashRun(database_url, tmp_path, customers=20)
    try:
        report = kill_the_web_process_while_billing_retries(run, kills=4)
    finally:
        run.close()
    print("\n".join(report.lines()))
    assert report.kills == 4 and report.retries >= 4
    assert report.ok, report.lines()
