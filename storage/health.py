"""What ``/healthz`` reports besides the database answering: how many process versions and instances it holds."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from storage.models import Instance, ProcessVersion


def row_counts(session: Session) -> tuple[int, int]:
    """(process versions, instances)."""
    processes = session.execute(select(func.count(ProcessVersion.id))).scalar_one()
    instances = session.execute(select(func.count(Instance.id))).scalar_one()
    return processes, instances
