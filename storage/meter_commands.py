"""Meter-command rows on the step's hot path, with prebuilt statements (the patrol sends
thousands): find the customer's meter, expire overdue commands, find the one in flight, insert."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Row, Table, bindparam, func, literal_column, select, update
from sqlalchemy.orm import Session

from storage.db import insert_or_ignore_by_dialect
from storage.domain_models import Customer, MeterCommand
from storage.models import OutboxMessage
from storage.statuses import IN_FLIGHT_COMMAND, CommandStatus, OutboxStatus, literal_statuses

_commands: Table = MeterCommand.__table__  # type: ignore[assignment]
_customers: Table = Customer.__table__  # type: ignore[assignment]
_outbox: Table = OutboxMessage.__table__  # type: ignore[assignment]
# Written out, not bound: a bound IN list cannot use an index on status in SQLite.
_IN_FLIGHT = literal_column("status").in_(literal_statuses(IN_FLIGHT_COMMAND))

_METER = select(_customers.c.id, _customers.c.meter_address).where(_customers.c.number == bindparam("b_number"))
_BY_ID = select(_commands.c.status, _commands.c.command_id, _commands.c.meter_address, _commands.c.action,
                _commands.c.deadline).where(_commands.c.command_id == bindparam("b_command_id"))
_EXPIRE_OVERDUE = (update(_commands).where(_commands.c.meter_address == bindparam("b_meter"), _IN_FLIGHT,
                                           _commands.c.deadline < bindparam("b_now"))
                   .values(status=CommandStatus.EXPIRED))
_MARK_SENT = update(_commands).where(_commands.c.command_id == bindparam("b_command_id")).values(
    status=bindparam("b_status"), sent_at=func.coalesce(_commands.c.sent_at, bindparam("b_now")))
_IN_FLIGHT_OF_INSTANCE = (
    select(_commands.c.command_id, _commands.c.status, _customers.c.number)
    .join(_customers, _customers.c.id == _commands.c.customer_id)
    .where(_commands.c.instance_id == bindparam("b_instance"), _IN_FLIGHT)
    .order_by(_commands.c.id))
_QUEUED_TRIPS = select(_commands.c.command_id).where(
    _commands.c.meter_address == bindparam("b_meter"), _commands.c.action == "trip",
    _commands.c.status == CommandStatus.QUEUED).order_by(_commands.c.id)
_TAKE_BACK = update(_outbox).where(
    _outbox.c.status == OutboxStatus.PENDING, _outbox.c.attempts == 0,
    _outbox.c.payload["command_id"].as_string() == bindparam("b_command_id")).values(status=OutboxStatus.CANCELLED)
_SET_STATUS = update(_commands).where(_commands.c.command_id == bindparam("b_command_id")).values(
    status=bindparam("b_status"))
_INSTANCE_OF = select(_commands.c.instance_id).where(_commands.c.command_id == bindparam("b_command_id"))
_IN_FLIGHT_FOR = select(_commands.c.command_id).where(_commands.c.meter_address == bindparam("b_meter"),
                                                      _IN_FLIGHT).limit(1)


def find(session: Session, command_id: str, *, lock: bool = False) -> MeterCommand | None:
    """The command (row-locked for the transaction when ``lock``), or None."""
    query = select(MeterCommand).where(MeterCommand.command_id == command_id)
    return session.execute(query.with_for_update() if lock else query).scalar_one_or_none()


def of_instance(session: Session, instance_id: int) -> Sequence[MeterCommand]:
    """The commands an instance sent, oldest first."""
    return session.execute(select(MeterCommand).where(MeterCommand.instance_id == instance_id)
                           .order_by(MeterCommand.id)).scalars().all()


def meter_of(conn: Connection, customer_number: str) -> Row[int, str] | None:
    """(id, meter_address) of a customer, or None."""
    return conn.execute(_METER, {"b_number": customer_number}).first()


def by_id(conn: Connection, command_id: str) -> Row[str, str, str, str, datetime] | None:
    """(status, command_id, meter_address, action, deadline) of a command, or None."""
    return conn.execute(_BY_ID, {"b_command_id": command_id}).first()


def mark_sent(conn: Connection, command_id: str, now: datetime) -> tuple[str, str] | None:
    """The head-end has taken the command: a queued command becomes ``sent``; the first hand-over
    time is kept (a resend after a lost answer does not move it). Returns (old, new) status, or None
    for an unknown command."""
    found = conn.execute(_BY_ID.with_for_update(), {"b_command_id": command_id}).first()
    if found is None:
        return None
    new = CommandStatus.SENT if found.status == CommandStatus.QUEUED else found.status
    conn.execute(_MARK_SENT, {"b_command_id": command_id, "b_status": new, "b_now": now})
    return found.status, new


def in_flight_of_instance(conn: Connection, instance_id: int) -> list[Row[str, str, str]]:
    """(command_id, status, customer number) of the commands an instance has in flight. Not locked
    here: the outbox row is changed before the command, the order the dispatcher takes them in."""
    return list(conn.execute(_IN_FLIGHT_OF_INSTANCE, {"b_instance": instance_id}).all())


def queued_trips(conn: Connection, meter_address: str) -> list[str]:
    """The ids of the meter's trips still ``queued`` (decided, not yet handed to the head-end)."""
    return list(conn.execute(_QUEUED_TRIPS, {"b_meter": meter_address}).scalars())


def take_back_unsent(conn: Connection, command_id: str) -> bool:
    """Cancel a command's outbox send that was never attempted; False if it has left (or is leaving)."""
    return bool(conn.execute(_TAKE_BACK, {"b_command_id": command_id}).rowcount)


def set_status(conn: Connection, command_id: str, status: str) -> None:
    conn.execute(_SET_STATUS, {"b_command_id": command_id, "b_status": status})


def instance_of(conn: Connection, command_id: str) -> int | None:
    """The instance that sent a command (None: unknown command, or one sent by no instance)."""
    return conn.execute(_INSTANCE_OF, {"b_command_id": command_id}).scalar_one_or_none()


def expire_overdue(conn: Connection, meter_address: str, now: datetime) -> None:
    conn.execute(_EXPIRE_OVERDUE, {"b_meter": meter_address, "b_now": now})


def in_flight(conn: Connection, meter_address: str) -> str | None:
    return conn.execute(_IN_FLIGHT_FOR, {"b_meter": meter_address}).scalar_one_or_none()


_INSERT_UNLESS_IN_FLIGHT = {dialect: statement.returning(_commands.c.id)
                            for dialect, statement in insert_or_ignore_by_dialect(_commands).items()}


def insert_unless_in_flight(conn: Connection, values: dict[str, Any]) -> bool:
    """Insert a command; False if the meter has one in flight already (the partial unique index
    decides a race between two steps)."""
    inserted = conn.execute(_INSERT_UNLESS_IN_FLIGHT[conn.dialect.name], values).scalar_one_or_none()
    return inserted is not None


_CUSTOMER_NUMBER = select(_customers.c.number).join(_commands, _commands.c.customer_id == _customers.c.id).where(
    _commands.c.command_id == bindparam("b_command_id"))


def customer_number_of(conn: Connection, command_id: str) -> str | None:
    """The number of the customer a command was sent for."""
    number = conn.execute(_CUSTOMER_NUMBER, {"b_command_id": command_id}).scalar_one_or_none()
    return None if number is None else str(number)
