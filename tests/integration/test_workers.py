"""Several workers (issue 14 item 2): leases, heartbeats, SIGTERM, and SQLite's one worker — real
``relayflow worker`` processes on SQLite and PostgreSQL."""

from __future__ import annotations

import signal
from pathlib import Path

from tests.integration.worker_processes import (
    engine_for,
    heartbeats,
    lease_holders,
    output,
    start_worker,
    wait_for,
)


def test_sqlite_refuses_a_second_worker_and_sigterm_gives_the_database_back(sqlite_url: str,
                                                                              tmp_path: Path) -> None:
    engine = engine_for(sqlite_url)
    first = start_worker(sqlite_url, tmp_path)
    try:
        wait_for(lambda: heartbeats(engine), "the first worker's heartbeat")
        second = start_worker(sqlite_url, tmp_path)
        assert second.wait(timeout=60) != 0
        assert "SQLite supports one worker" in output(second)
        holders = lease_holders(engine)
        assert holders["worker:sqlite"].endswith(f":{first.pid}:" + holders["worker:sqlite"].rsplit(":", 1)[1])
        wait_for(lambda: "job:patrol" in lease_holders(engine), "the patrol's lease")
    finally:
        first.send_signal(signal.SIGTERM)
    assert first.wait(timeout=60) == 0, output(first)
    assert "stopped" in output(first)
    assert (lease_holders(engine), heartbeats(engine)) == ({}, [])  # given back on a clean stop


def test_a_killed_workers_sqlite_database_is_taken_over_at_once(sqlite_url: str, tmp_path: Path) -> None:
    """kill -9 leaves the lease behind; the next worker on this machine sees its process is gone."""
    engine = engine_for(sqlite_url)
    killed = start_worker(sqlite_url, tmp_path)
    wait_for(lambda: heartbeats(engine), "the first worker's heartbeat")
    killed.send_signal(signal.SIGKILL)
    killed.wait(timeout=30)
    successor = start_worker(sqlite_url, tmp_path)
    try:
        wait_for(lambda: f":{successor.pid}:" in lease_holders(engine).get("worker:sqlite", ""),
                 "the successor to hold the database")
        assert successor.poll() is None
    finally:
        successor.send_signal(signal.SIGTERM)
    assert successor.wait(timeout=60) == 0
    assert "no longer running; taken over" in output(successor)


def test_two_workers_share_postgresql_and_each_once_at_a_time_job_has_one_holder(
        database_url: str, tmp_path: Path) -> None:
    """On PostgreSQL both run and share the jobs; on SQLite (the other parameter) the second is refused."""
    if database_url.startswith("sqlite"):
        test_sqlite_refuses_a_second_worker_and_sigterm_gives_the_database_back(database_url, tmp_path)
        return
    engine = engine_for(database_url)
    workers = [start_worker(database_url, tmp_path) for _ in range(2)]
    try:
        wait_for(lambda: len(heartbeats(engine)) == 2, "both workers' heartbeats")
        wait_for(lambda: {"job:patrol", "job:rehearsals"} <= set(lease_holders(engine)), "the jobs' leases")
        assert all(worker.poll() is None for worker in workers)  # nobody was refused
        holders = lease_holders(engine)
        assert {holders["job:patrol"].split(":")[1], holders["job:rehearsals"].split(":")[1]} <= {
            str(worker.pid) for worker in workers}
        patrol_holder = next(w for w in workers if f":{w.pid}:" in holders["job:patrol"])
        patrol_holder.send_signal(signal.SIGKILL)  # the other takes its jobs over once the lease expires
        patrol_holder.wait(timeout=30)
        survivor = next(w for w in workers if w is not patrol_holder)
        wait_for(lambda: f":{survivor.pid}:" in lease_holders(engine).get("job:patrol", ""), "the takeover")
    finally:
        for worker in workers:
            if worker.poll() is None:
                worker.send_signal(signal.SIGTERM)
    assert all(worker.wait(timeout=60) in (0, -signal.SIGKILL) for worker in workers)
