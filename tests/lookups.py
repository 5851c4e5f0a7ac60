"""Small reads the tests share."""

from __future__ import annotations

from app.bootstrap import Services
from storage.models import Instance


def instance_row(services: Services, instance_id: int | None) -> Instance:
    """The instance row as committed (it must exist)."""
    assert instance_id is not None
    with services.db.reading() as session:
        found = session.get(Instance, instance_id)
        assert found is not None, f"no instance {instance_id}"
        return found
