"""Meter-command rows on the step's hot path, with prebuilt statements (the patrol sends
thousands): find the customer's meter, expire overdue commands, find the one in flight, insert."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Table, bindparam, literal_column, select, update

from storage.db import insert_or_ignore_conn
from storage.domain_models import Customer, MeterCommand

_commands: Table = MeterCommand.__table__  # type: ignore[assignment]
_customers: Table = Customer.__table__  # type: ignore[assignment]
# Written out, not bound: a bound IN list cannot use an index on status in SQLite.
_IN_FLIGHT = literal_column("status").in_([literal_column("'queued'"), literal_column("'sent'"),
                                          literal_column("'accepted'")])

_METER = select(_customers.c.id, _customers.c.meter_address).where(_customers.c.number == bindparam("b_number"))
_BY_ID = select(_commands.c.status, _commands.c.command_id, _commands.c.meter_address, _commands.c.action,
                _commands.c.deadline).where(_commands.c.command_id == bindparam("b_command_id"))
_EXPIRE_OVERDUE = update(_commands).where(_commands.c.meter_address == bindparam("b_meter"), _IN_FLIGHT,
                                          _commands.c.deadline < bindparam("b_now")).values(status="expired")
_IN_FLIGHT_FOR = select(_commands.c.command_id).where(_commands.c.meter_address == bindparam("b_meter"),
                                                      _IN_FLIGHT).limit(1)


def meter_of(conn: Connection, customer_number: str) -> Any:
    """(id, meter_address) of a customer, or None."""
    return conn.execute(_METER, {"b_number": customer_number}).first()


def by_id(conn: Connection, command_id: str) -> Any:
    return conn.execute(_BY_ID, {"b_command_id": command_id}).first()


def expire_overdue(conn: Connection, meter_address: str, now: datetime) -> None:
    conn.execute(_EXPIRE_OVERDUE, {"b_meter": meter_address, "b_now": now})


def in_flight(conn: Connection, meter_address: str) -> str | None:
    return conn.execute(_IN_FLIGHT_FOR, {"b_meter": meter_address}).scalar_one_or_none()


def insert_unless_in_flight(conn: Connection, values: dict[str, Any]) -> bool:
    """Insert a command; False if the meter has one in flight already (the partial unique index
    decides a race between two steps)."""
    inserted = conn.execute(insert_or_ignore_conn(conn, _commands, None).values(**values)
                            .returning(_commands.c.id)).scalar_one_or_none()
    return inserted is not None
