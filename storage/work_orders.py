"""Taking the next number of a work-order series: a counter row incremented in the caller's
transaction, so the row stays locked until it commits (concurrent workers queue up, each
number is used once) and a rolled-back step gives its number back (no gaps)."""

from __future__ import annotations

from sqlalchemy import Connection, Table, bindparam, update

from storage.db import insert_or_ignore_conn
from storage.domain_models import WorkOrderCounter

_counters: Table = WorkOrderCounter.__table__  # type: ignore[assignment]
_TAKE = (
    update(_counters).where(_counters.c.series == bindparam("b_series"))
    .values(next_value=_counters.c.next_value + 1).returning(_counters.c.next_value)
)


def take_next(conn: Connection, series: str) -> int:
    """The next value of ``series`` (1, 2, 3...), locked until the transaction ends."""
    taken = conn.execute(_TAKE, {"b_series": series}).scalar_one_or_none()
    if taken is None:  # the series' first number: create its counter (a racing creator is harmless)
        conn.execute(insert_or_ignore_conn(conn, _counters, ["series"]).values(series=series, next_value=1))
        taken = conn.execute(_TAKE, {"b_series": series}).scalar_one()
    return int(taken) - 1
