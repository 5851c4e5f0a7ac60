"""The patrol benchmark's archive: a million customers bulk-loaded with Core executemany (not
through the runtime), disconnected and paid-up ones spread evenly, and a history of commands."""

from __future__ import annotations

import time
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Engine, Table, insert

from storage.domain_models import Customer, MeterCommand, Segment

_CUSTOMERS: Table = Customer.__table__  # type: ignore[assignment]
_SEGMENTS: Table = Segment.__table__  # type: ignore[assignment]
_METER_COMMANDS: Table = MeterCommand.__table__  # type: ignore[assignment]
CHUNK = 10_000
ROWS_PER_TRANSACTION = 200_000

class Archive:
    """Which customer is what: disconnected ones spread evenly over the ids, paid-up ones evenly
    among those, so the partial index and the id order are exercised as in a real archive."""

    def __init__(self, customers: int, disconnected: int, paid: int, segments: int) -> None:
        if not 0 < paid <= disconnected <= customers:
            raise SystemExit("need 0 < --paid <= --disconnected <= --customers")
        self.customers, self.disconnected, self.paid, self.segments = customers, disconnected, paid, segments
        self.disconnected_every = customers // disconnected
        self.paid_every = disconnected // paid

    def status(self, customer_id: int) -> tuple[bool, bool]:
        """(disconnected, paid up) of customer ``customer_id`` (1-based)."""
        index = customer_id - 1
        if index % self.disconnected_every or index // self.disconnected_every >= self.disconnected:
            return False, False
        k = index // self.disconnected_every
        return True, (k % self.paid_every == 0 and k // self.paid_every < self.paid)

    def segment_codes(self) -> list[str]:
        return [f"S{n:02d}" for n in range(1, self.segments + 1)]

    def rows(self, first: int, last: int, now: datetime) -> list[dict[str, Any]]:
        codes = self.segment_codes()
        recently, long_ago = now - timedelta(days=3), now - timedelta(days=400)
        rows = []
        for cid in range(first, last + 1):
            disconnected, paid = self.status(cid)
            owed = 0 if paid else (32_000 if disconnected else (18_000 if cid % 10 == 3 else 0))
            rows.append({
                "id": cid, "number": f"34{cid:08d}", "name": f"Customer {cid}", "mobile": f"138{cid:08d}",
                "address": f"{cid} Huaihe Road", "customer_class": "household", "voltage_class": "low",
                "segment_code": codes[cid % len(codes)], "meter_address": f"{cid:012d}", "meter_protocol": "dlt645",
                "relay_type": "internal", "can_direct_close": True, "ami_connected": True, "channel_online": True,
                "channel_seen_at": now, "power_status": "disconnected" if disconnected else "connected",
                "power_status_since": recently if disconnected else long_ago, "auto_reconnect": paid,
                "owed_cents": owed, "overdue_since": (now - timedelta(days=90)).date() if owed else None,
            })
        return rows


def load(engine: Engine, archive: Archive, now: datetime) -> tuple[float, int]:
    """Segments and customers, Core executemany in chunks, a few transactions; (seconds, rows)."""
    started = time.perf_counter()
    with engine.begin() as conn:
        conn.execute(insert(_SEGMENTS), [
            {"code": code, "name": f"Segment {code}", "reader_username": f"reader-{code.lower()}",
             "reader_mobile": "13900000001"} for code in archive.segment_codes()])
    first = 1
    while first <= archive.customers:
        last_in_tx = min(first + ROWS_PER_TRANSACTION - 1, archive.customers)
        with engine.begin() as conn:
            while first <= last_in_tx:
                last = min(first + CHUNK - 1, last_in_tx)
                conn.execute(insert(_CUSTOMERS), archive.rows(first, last, now))
                first = last + 1
    return time.perf_counter() - started, archive.customers


def load_command_history(engine: Engine, archive: Archive, count: int, now: datetime) -> float:
    """Executed trip commands (the ones that disconnected the disconnected customers, oldest
    first, then earlier trips of other customers): the meter_commands table a live archive has."""
    started = time.perf_counter()
    disconnected = [cid for cid in range(1, archive.customers + 1, archive.disconnected_every)][:archive.disconnected]
    others = (cid for cid in range(2, archive.customers + 1) if not archive.status(cid)[0])
    ids = (disconnected + [next(others) for _ in range(max(count - len(disconnected), 0))])[:count]
    at = now - timedelta(days=3)
    rows = [{"command_id": f"HIST-{n}", "customer_id": cid, "meter_address": f"{cid:012d}", "action": "trip",
             "status": "executed", "instance_id": None, "created_at": at, "deadline": at + timedelta(minutes=30),
             "accepted_at": at, "executed_at": at, "relay": "open", "error": None, "result": None}
            for n, cid in enumerate(ids, 1)]
    with engine.begin() as conn:
        for first in range(0, len(rows), CHUNK):
            conn.execute(insert(_METER_COMMANDS), rows[first:first + CHUNK])
    return time.perf_counter() - started


LOADED_TABLES = ("segments", "customers", "meter_commands")


def analyze(engine: Engine) -> float:
    """Statistics for the bulk-loaded tables only (autovacuum would gather them after a load); the
    runtime's own tables keep what a fresh installation has, so no plan is tuned to an empty table."""
    started = time.perf_counter()
    with engine.begin() as conn:
        for table in LOADED_TABLES:
            conn.exec_driver_sql(f"ANALYZE {table}")
    return time.perf_counter() - started


