"""The classes of protected customers (issue 16 item 4): a small table, seeded by migration 0023,
that the protection action and the customer import accept."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.domain_models import ProtectionClass


def labels(session: Session) -> dict[str, str]:
    """Every class's code → its label, in code order."""
    rows = session.execute(select(ProtectionClass.code, ProtectionClass.label).order_by(ProtectionClass.code))
    return {code: label for code, label in rows}
