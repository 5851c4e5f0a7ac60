"""Instance rows on the hot path, without the ORM: a plain mutable record, locked and saved
with prebuilt statements (the ORM's unit of work cost more than the rest of a step's SQL)."""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Table, bindparam, insert, select, update

from storage.models import Instance
from storage.statuses import InstanceStatus

_instances: Table = Instance.__table__  # type: ignore[assignment]


@dataclass
class InstanceRow:
    id: int
    process_version_id: int
    process_id: str
    status: str
    start_data: dict[str, Any] | None
    parent_id: int | None
    batch_id: int | None
    result: Any
    next_wake_at: datetime | None
    started_by: str
    created_at: datetime
    updated_at: datetime
    ended_at: datetime | None
    status_reason: str | None
    revision: int
    history_seq: int
    history_hash: str
    awaiting: list[Any]
    open_tasks: list[Any]
    state: str | None = None  # loaded only when the live cache cannot serve the workflow
    state_changed: bool = False  # a step ran: the state is saved with the row


_COLUMNS = [f.name for f in fields(InstanceRow) if f.name not in ("state", "state_changed")]
_SAVED = ["status", "result", "next_wake_at", "updated_at", "ended_at", "status_reason", "revision", "history_seq",
          "history_hash", "awaiting", "open_tasks"]
_SELECT = select(*(_instances.c[name] for name in _COLUMNS))
_LOCK = _SELECT.where(_instances.c.id == bindparam("b_id")).with_for_update()
_LOCK_SKIP = _SELECT.where(_instances.c.id == bindparam("b_id")).with_for_update(skip_locked=True)
_DUE = (
    _SELECT.where(_instances.c.status == InstanceStatus.RUNNING, _instances.c.next_wake_at <= bindparam("b_now"))
    .order_by(_instances.c.next_wake_at, _instances.c.id).limit(1).with_for_update(skip_locked=True)
)
_STATE = select(_instances.c.state).where(_instances.c.id == bindparam("b_id"))
_SAVE = update(_instances).where(_instances.c.id == bindparam("b_id")).values(
    {name: bindparam(f"b_{name}") for name in _SAVED})
_SAVE_WITH_STATE = update(_instances).where(_instances.c.id == bindparam("b_id")).values(
    {name: bindparam(f"b_{name}") for name in [*_SAVED, "state"]})
_SAVE_HEAD = update(_instances).where(_instances.c.id == bindparam("b_id")).values(
    history_seq=bindparam("b_seq"), history_hash=bindparam("b_hash"))
_INSERT = insert(_instances).returning(_instances.c.id)


def lock(conn: Connection, instance_id: int, *, skip_locked: bool = False) -> InstanceRow | None:
    """Lock and read an instance row (without its state) for this transaction."""
    found = conn.execute(_LOCK_SKIP if skip_locked else _LOCK, {"b_id": instance_id}).first()
    return InstanceRow(**found._mapping) if found is not None else None


def lock_next_due(conn: Connection, now: datetime) -> InstanceRow | None:
    """Lock the running instance whose timers fell due first, skipping rows other workers hold."""
    found = conn.execute(_DUE, {"b_now": now}).first()
    return InstanceRow(**found._mapping) if found is not None else None


def load_state(conn: Connection, row: InstanceRow) -> str | None:
    row.state = conn.execute(_STATE, {"b_id": row.id}).scalar_one()
    return row.state


def save(conn: Connection, row: InstanceRow) -> None:
    """Write the row's projections; the state only if a step changed it (a lifecycle change,
    such as a suspension, never read it and must not overwrite it)."""
    values = {"b_id": row.id, **{f"b_{name}": getattr(row, name) for name in _SAVED}}
    if row.state_changed:
        conn.execute(_SAVE_WITH_STATE, {**values, "b_state": row.state})
    else:
        conn.execute(_SAVE, values)


def save_history_head(conn: Connection, row: InstanceRow) -> None:
    conn.execute(_SAVE_HEAD, {"b_id": row.id, "b_seq": row.history_seq, "b_hash": row.history_hash})


def insert_new(conn: Connection, values: dict[str, Any]) -> InstanceRow:
    """Insert a new instance (status, process, start data...) and return it as a row."""
    defaults: dict[str, Any] = {
        "parent_id": None, "batch_id": None, "result": None, "next_wake_at": None,
        "ended_at": None, "status_reason": None, "revision": 0, "history_seq": 0, "history_hash": "0" * 64,
        "awaiting": [], "open_tasks": [],
    }
    record = {**defaults, **values}
    record["id"] = conn.execute(_INSERT, {**record, "state": None}).scalar_one()
    return InstanceRow(**record)
