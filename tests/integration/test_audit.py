"""``relayflow audit verify``: intact chains pass; an edited, deleted or reordered event is named;
on PostgreSQL the database refuses to change history at all."""

from __future__ import annotations

import pytest
import sqlalchemy.exc
from click.testing import Result
from flask import Flask
from sqlalchemy import delete, select, text, update

from app.bootstrap import Services
from storage.models import HistoryEvent, Instance
from tests.conftest import BACKENDS, EXECUTOR, deploy


def _verify(app: Flask, *args: str) -> Result:
    return app.test_cli_runner().invoke(args=["audit", "verify", *args])


def _instance_with_history(services: Services) -> int:
    deploy(services, "approval.bpmn")
    instance_id = services.runtime.start("approval", {"amount": 5}, EXECUTOR)
    with services.db.reading() as session:
        assert len(session.execute(select(HistoryEvent.id).where(HistoryEvent.instance_id == instance_id)).all()) >= 3
    return instance_id


def test_intact_history_verifies(backend_app: Flask, backend_services: Services) -> None:
    instance_id = _instance_with_history(backend_services)
    result = _verify(backend_app)
    assert result.exit_code == 0 and "intact" in result.output, result.output
    one = _verify(backend_app, "--instance", str(instance_id))
    assert one.exit_code == 0 and "1 streams" in one.output


@pytest.mark.parametrize("tamper", ["edit", "delete_middle", "delete_last", "reorder", "instance_gone"])
def test_a_changed_history_is_named_at_its_first_broken_link(app: Flask, services: Services, tamper: str) -> None:
    instance_id = _instance_with_history(services)
    stream = f"instance/{instance_id}"
    with services.db.transaction() as session:
        events = session.execute(select(HistoryEvent).where(HistoryEvent.stream == stream)
                                 .order_by(HistoryEvent.seq)).scalars().all()
        if tamper == "edit":
            session.execute(update(HistoryEvent).where(HistoryEvent.id == events[1].id).values(actor="mallory"))
        elif tamper == "delete_middle":
            session.execute(delete(HistoryEvent).where(HistoryEvent.id == events[1].id))
        elif tamper == "delete_last":
            session.execute(delete(HistoryEvent).where(HistoryEvent.id == events[-1].id))
        elif tamper == "reorder":
            (first, first_seq), (second, second_seq) = ((e.id, e.seq) for e in events[:2])
            for event_id, seq in ((first, -1), (second, first_seq), (first, second_seq)):
                session.execute(update(HistoryEvent).where(HistoryEvent.id == event_id).values(seq=seq)
                                .execution_options(synchronize_session=False))
        else:  # the instance row deleted, its events left behind
            session.execute(text("PRAGMA foreign_keys=OFF"))
            session.execute(delete(Instance).where(Instance.id == instance_id))
    result = _verify(app)
    assert result.exit_code == 1, result.output
    assert f"BROKEN {stream}" in result.output and "1 broken" in result.output
    assert _verify(app, "--instance", str(instance_id)).exit_code == 1


@pytest.mark.parametrize("database_url", [b for b in BACKENDS if b == "postgresql"], indirect=True)
def test_postgresql_refuses_to_update_or_delete_history(backend_app: Flask, backend_services: Services) -> None:
    _instance_with_history(backend_services)
    for change in (update(HistoryEvent).values(actor="mallory"), delete(HistoryEvent)):
        with pytest.raises(sqlalchemy.exc.DBAPIError, match="append-only"), \
                backend_services.db.transaction() as session:
            session.execute(change)
    assert _verify(backend_app).exit_code == 0


def test_several_processes_find_what_one_finds(backend_app: Flask, backend_services: Services) -> None:
    """Issue 14 item 7: ``--jobs 2`` splits the streams between two processes; the findings and the
    totals are the same as one process's, in the same order."""
    deploy(backend_services, "approval.bpmn")
    ids = [backend_services.runtime.start("approval", {"amount": n}, EXECUTOR) for n in range(8)]
    if backend_services.db.is_sqlite:  # PostgreSQL refuses the edit itself (below)
        with backend_services.db.transaction() as session:
            for instance_id in (ids[1], ids[6]):
                first = session.execute(select(HistoryEvent.id).where(HistoryEvent.instance_id == instance_id)
                                        .order_by(HistoryEvent.seq)).scalars().first()
                session.execute(update(HistoryEvent).where(HistoryEvent.id == first).values(actor="mallory"))
    one, two = _verify(backend_app), _verify(backend_app, "--jobs", "2")
    assert (two.exit_code, two.stdout) == (one.exit_code, one.stdout)
    broken = [line for line in one.stdout.splitlines() if line.startswith("BROKEN")]
    assert len(broken) == (2 if backend_services.db.is_sqlite else 0), one.stdout
