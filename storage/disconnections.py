"""Disconnection records (``disconnections``): one per ``disconnect_customer`` instance that cut a
customer, written by the step that recorded the cut (issue 14 item 8)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, bindparam, insert, update

from storage.domain_models import Disconnection

_UPDATE = update(Disconnection).where(Disconnection.instance_id == bindparam("b_instance")).values(
    customer_number=bindparam("b_customer"), at=bindparam("b_at"), how=bindparam("b_how"))
_INSERT = insert(Disconnection).values(instance_id=bindparam("b_instance"), customer_number=bindparam("b_customer"),
                                       at=bindparam("b_at"), how=bindparam("b_how"))


def record(conn: Connection, instance_id: int, customer_number: str, at: datetime, how: str) -> None:
    """The instance's disconnection: the last one it recorded counts, as its result says."""
    values = {"b_instance": instance_id, "b_customer": customer_number, "b_at": at, "b_how": how}
    if conn.execute(_UPDATE, values).rowcount == 0:
        conn.execute(_INSERT, values)
