"""Issue 5 §2, the global chain: seals over ranges of events, signed with a key the database does
not hold and copied to an append-only anchor file, so that deleting or rewriting whole histories
— which leaves every remaining per-stream chain intact — is still named by ``audit verify``."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy.exc
import time_machine
from click.testing import Result
from flask import Flask
from sqlalchemy import delete, select, update

from app.audit.seal_keeping import SealKey
from app.audit.seals import Sealer, seal_hash, verify_seals
from app.bootstrap import Services
from app.runtime.events.history import GENESIS_HASH, NewEvent, chain, instance_stream
from storage.models import HistoryEvent, HistorySeal, Instance
from tests.conftest import BACKENDS, EXECUTOR, deploy, tampering


def verify(app: Flask) -> Result:
    return app.test_cli_runner().invoke(args=["audit", "verify"])


def chains_line(result: Result) -> str:
    return next(line for line in result.output.splitlines() if " streams, " in line)


def sealer(services: Services) -> Sealer:
    assert services.sealer is not None
    return services.sealer


def cases(services: Services, count: int = 3) -> list[int]:
    deploy(services, "approval.bpmn")
    return [services.runtime.start("approval", {"amount": n}, EXECUTOR) for n in range(count)]


def test_sealed_history_verifies_and_the_anchor_holds_each_seal(backend_app: Flask,
                                                                 backend_services: Services) -> None:
    cases(backend_services)
    made = backend_app.test_cli_runner().invoke(args=["audit", "seal"])
    assert made.exit_code == 0 and "1 seal(s) made" in made.output, made.output
    cases(backend_services, 1)
    assert sealer(backend_services).seal_all() == 1

    lines = [json.loads(line) for line in sealer(backend_services).anchor.path.read_text().splitlines()]
    with backend_services.db.reading() as session:
        seals = session.execute(select(HistorySeal).order_by(HistorySeal.n)).scalars().all()
        total = session.execute(select(HistoryEvent.id)).all()
    assert [(line["n"], line["hash"]) for line in lines] == [(seal.n, seal.hash) for seal in seals]
    assert seals[1].prev_hash == seals[0].hash and seals[0].prev_hash == GENESIS_HASH
    assert sum(seal.events for seal in seals) == len(total)
    result = verify(backend_app)
    assert result.exit_code == 0, result.output
    assert "2 seals, 0 events not sealed yet: intact" in result.output


def test_deleting_a_whole_instance_with_its_events_is_named(app: Flask, services: Services) -> None:
    first, gone, _last = cases(services)
    sealer(services).seal_all()
    with tampering(services) as session:
        session.execute(delete(HistoryEvent).where(HistoryEvent.instance_id == gone))
        session.execute(delete(Instance).where(Instance.id == gone))
    result = verify(app)
    assert result.exit_code == 1
    assert chains_line(result).endswith(": intact")  # every chain left is whole
    assert f"BROKEN {instance_stream(gone)}: event #" in result.output and "is gone" in result.output
    assert f"instance/{first}:" not in result.output


def test_a_consistently_rewritten_history_is_named(app: Flask, services: Services) -> None:
    """Rewritten with every hash recomputed and the head moved: the stream's own chain verifies."""
    instance_id = cases(services, 1)[0]
    sealer(services).seal_all()
    stream = instance_stream(instance_id)
    with tampering(services) as session:
        events = session.execute(select(HistoryEvent).where(HistoryEvent.stream == stream)
                                 .order_by(HistoryEvent.seq)).scalars().all()
        first = events[0]
        rows = chain([_as_new(e, actor="mallory") for e in events], stream=stream, head=(0, GENESIS_HASH),
                     actor="mallory", at=first.at, instance_id=instance_id, deployment_id=first.deployment_id)
        for event, row in zip(events, rows, strict=True):
            session.execute(update(HistoryEvent).where(HistoryEvent.id == event.id).values(
                actor=row["actor"], at=row["at"], prev_hash=row["prev_hash"], hash=row["hash"]))
        session.execute(update(Instance).where(Instance.id == instance_id).values(
            history_seq=rows[-1]["seq"], history_hash=rows[-1]["hash"]))
    result = verify(app)
    assert result.exit_code == 1
    assert chains_line(result).endswith(": intact")  # the per-stream chains alone miss it
    assert f"BROKEN {stream}: event #{len(events)} was rewritten after seal 1 sealed it" in result.output


def test_cutting_events_and_seals_together_is_named_by_the_anchor(app: Flask, services: Services) -> None:
    cases(services, 2)
    sealer(services).seal_all()
    with tampering(services) as session:
        session.execute(delete(HistorySeal))
        session.execute(delete(HistoryEvent))
        session.execute(delete(Instance))
    result = verify(app)
    assert result.exit_code == 1
    assert "seal 1 (anchored at" in result.output and "is missing from the database" in result.output


def test_cutting_only_the_newest_seal_is_named(backend_app: Flask, backend_services: Services) -> None:
    """Verify reads the anchor before its snapshot so a seal made meanwhile is no false alarm
    (issue 10 item 20); a seal the anchor held when verify began is still missing when cut, newest too."""
    cases(backend_services, 1)
    sealer(backend_services).seal_all()
    cases(backend_services, 1)
    sealer(backend_services).seal_all()
    with tampering(backend_services) as session:
        session.execute(delete(HistorySeal).where(HistorySeal.n == 2))
    result = verify(backend_app)
    assert result.exit_code == 1
    assert "BROKEN seal 2 (anchored at" in result.output and "is missing from the database" in result.output


def test_a_damaged_anchor_file_is_named(app: Flask, services: Services) -> None:
    cases(services, 1)
    sealer(services).seal_all()
    with sealer(services).anchor.path.open("a") as anchor:
        anchor.write("not json\n")
    result = verify(app)
    assert result.exit_code == 1 and "line 2 is not a seal anchor" in result.output, result.output


def test_a_seal_re_made_without_the_key_is_named(app: Flask, services: Services, tmp_path: Path) -> None:
    cases(services, 1)
    sealer(services).seal_all()
    forger = SealKey.load(tmp_path / "not-our-key", create=True)
    with tampering(services) as session:
        seal = session.get(HistorySeal, 1)
        assert seal is not None
        seal.events = seal.events  # same content, re-signed with another key
        session.execute(update(HistorySeal).where(HistorySeal.n == 1).values(
            signature=forger.sign(seal_hash(seal))))
    result = verify(app)
    assert result.exit_code == 1 and "seal 1: signature is not this installation's" in result.output


def test_young_events_wait_for_the_next_seal(services: Services) -> None:
    lagging = Sealer(services.db, services.clock, sealer(services).key_path, sealer(services).anchor.path,
                     timedelta(minutes=1))
    with time_machine.travel("2026-03-02 09:00:00+00:00", tick=False) as clock:
        cases(services, 1)
        assert lagging.seal_all() == 0
        clock.shift(timedelta(minutes=2))
        assert lagging.seal_all() == 1
        cases(services, 1)
        assert lagging.seal_all() == 0
        with services.db.reading() as session:
            report = verify_seals(session, lagging.key_path, lagging.anchor.read())
    assert report.seals == 1 and report.unsealed_events > 0 and not report.problems


def test_a_missing_key_is_a_problem_once_there_are_seals(services: Services) -> None:
    cases(services, 1)
    sealer(services).seal_all()
    sealer(services).key_path.unlink()
    with services.db.reading() as session:
        report = verify_seals(session, sealer(services).key_path, sealer(services).anchor.read())
    assert any("seal key" in problem and "is missing" in problem for problem in report.problems)


@pytest.mark.parametrize("database_url", [b for b in BACKENDS if b == "postgresql"], indirect=True)
def test_postgresql_refuses_to_change_or_delete_a_seal(backend_services: Services) -> None:
    cases(backend_services, 1)
    sealer(backend_services).seal_all()
    for change in (update(HistorySeal).values(events=0), delete(HistorySeal)):
        with pytest.raises(sqlalchemy.exc.DBAPIError, match="history_seals is append-only"), \
                backend_services.db.transaction() as session:
            session.execute(change)


def _as_new(event: HistoryEvent, actor: str) -> NewEvent:
    return NewEvent(event.type, event.element_id, event.data, actor)
