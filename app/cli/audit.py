"""``relayflow audit verify`` and ``relayflow replay``: the auditor's commands (issue 5).

Both only read, except that a replay run is itself recorded in the ``audit`` history stream
(who replayed what, and the verdict). Each exits 1 when it finds a problem.
"""

from __future__ import annotations

import getpass
import sys
import time
from datetime import date, datetime

import click
from flask import current_app
from flask.cli import with_appcontext

from app.audit.chains import streams_to_verify
from app.audit.parallel import replay_cases, verify_chains
from app.audit.replay import CaseNotFound, Replayer, ReplayResult
from app.audit.replay.recorded import RecordedEvent
from app.audit.seals import Sealer, verify_seals
from app.bootstrap import Services
from app.rules.beijing import BEIJING
from app.runtime.events import history
from app.runtime.events.history import NewEvent

AUDIT_STREAM = "audit"
SHOWN_DIVERGENCES = 20


def _services() -> Services:
    return current_app.extensions["relayflow"]  # type: ignore[no-any-return]


def _sealer() -> Sealer:
    return _services().sealer


def _actor_name() -> str:
    return f"cli:{getpass.getuser()}"


@click.group("audit", help="Check the history's hash chains and seals.")
def audit_group() -> None:
    pass


@audit_group.command("seal")
@with_appcontext
def audit_seal_command() -> None:
    """Seal the history now (the worker does it every SEAL_SECONDS) and copy the seals to the anchor file."""
    sealer = _sealer()
    made = sealer.seal_all()
    click.echo(f"{made} seal(s) made; anchored in {sealer.anchor.path}")


@audit_group.command("verify")
@click.option("--instance", "instance_id", type=int, default=None, help="Only this instance's history.")
@click.option("--jobs", type=click.IntRange(1, 64), default=1, show_default=True,
              help="Processes checking the streams side by side.")
@with_appcontext
def audit_verify_command(instance_id: int | None, jobs: int) -> None:
    """Recompute every hash chain (or one instance's) and name the first broken link of each; then
    (for the whole history) every seal, against the anchor file and the key."""
    if not verify_history(_services(), instance_id, jobs):
        raise SystemExit(1)


def verify_history(services: Services, instance_id: int | None = None, jobs: int = 1) -> bool:
    """``audit verify`` of ``services``' database, printed; whether everything is intact. Each process
    reads its streams in one snapshot of its own: a system at work is no broken one (issue 10 item 20)."""
    sealer = services.sealer
    anchored = sealer.anchor.read() if instance_id is None else None  # before the snapshot: see verify_seals
    with services.db.snapshot() as session:
        streams = streams_to_verify(session, instance_id)
    with click.progressbar(length=len(streams), label="verifying", file=sys.stderr) as bar:
        report = verify_chains(services.db, streams, jobs, bar.update)
    with services.db.snapshot() as session:
        seals = verify_seals(session, sealer.key_path, anchored) if anchored is not None else None
    for stream, problem in report.broken.items():
        click.echo(f"BROKEN {stream}: {problem}")
    verdict = "intact" if report.intact else f"{len(report.broken)} broken"
    click.echo(f"{report.streams} streams, {report.events} events: {verdict}")
    if seals is not None:
        for problem in seals.problems:
            click.echo(f"BROKEN {problem}")
        for note in seals.notes:
            click.echo(f"note: {note}")
        click.echo(f"{seals.seals} seals, {seals.unsealed_events} events not sealed yet: "
                   f"{'intact' if not seals.problems else f'{len(seals.problems)} problem(s)'}")
    return report.intact and (seals is None or not seals.problems)


@click.command("replay")
@click.argument("instance_id", type=int, required=False)
@click.option("--verify", is_flag=True, help="Print only the verdict, not each reproduced event.")
@click.option("--all", "replay_all", is_flag=True, help="Replay every instance (see --since).")
@click.option("--since", type=click.DateTime(["%Y-%m-%d"]), default=None,
              help="With --all: only instances created on or after this date (Beijing time).")
@click.option("--jobs", type=click.IntRange(1, 64), default=1, show_default=True,
              help="With --all: processes replaying cases side by side.")
@with_appcontext
def replay_command(instance_id: int | None, verify: bool, replay_all: bool, since: datetime | None,
                   jobs: int) -> None:
    """Rebuild INSTANCE on a fresh workflow from its deployment's BPMN, feed it only the recorded
    inputs, and compare what it does with the recorded history: "verified" or the first divergence."""
    if (instance_id is None) == (not replay_all):
        raise click.UsageError("give one INSTANCE or --all")
    if since is not None and not replay_all:
        raise click.UsageError("--since goes with --all")
    services = _services()
    replayer = Replayer(services.db, services.runtime)
    if instance_id is not None:
        result = _replay_one(replayer, instance_id, verify)
        _record(services, [result], {"instance_id": instance_id})
        if not result.verified:
            raise SystemExit(1)
        return
    _replay_all(services, replayer, since.date() if since else None, jobs)


def _replay_one(replayer: Replayer, instance_id: int, verify: bool) -> ReplayResult:
    def trace(event: RecordedEvent) -> None:
        click.echo(f"#{event.seq:<5} {event.at.astimezone(BEIJING):%Y-%m-%d %H:%M:%S}  {event.type:<18} "
                   f"{event.element_id or ''}")

    try:
        result = replayer.replay(instance_id, None if verify else trace)
    except CaseNotFound as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(result.summary())
    return result


def _replay_all(services: Services, replayer: Replayer, since: date | None, jobs: int) -> None:
    start = datetime.combine(since, datetime.min.time(), BEIJING) if since else None
    ids = replayer.instances_since(start)
    began = time.perf_counter()
    with click.progressbar(length=len(ids), label="replaying", file=sys.stderr) as bar:
        summary = replay_cases(services.db, services.runtime, ids, jobs, bar.update)
    seconds = time.perf_counter() - began
    for result in summary.diverged[:SHOWN_DIVERGENCES]:
        click.echo(f"DIVERGED {result.summary()}")
    if len(summary.diverged) > SHOWN_DIVERGENCES:
        click.echo(f"... and {len(summary.diverged) - SHOWN_DIVERGENCES} more")
    rate = summary.cases / seconds if seconds > 0 else 0.0
    click.echo(f"{summary.cases} cases: {summary.verified} verified, {len(summary.diverged)} diverged "
               f"({seconds:.1f} s, {rate:.0f} cases/s)")
    _record(services, [], {"all": True, "since": since.isoformat() if since else None, "cases": summary.cases,
                           "verified": summary.verified,
                           "diverged": [r.instance_id for r in summary.diverged]})
    if summary.diverged:
        raise SystemExit(1)


def _record(services: Services, results: list[ReplayResult], data: dict[str, object]) -> None:
    """An auditor expects to see who replayed what, and what it found."""
    if results:
        data = {**data, **results[0].as_dict()}
    with services.db.transaction() as session:
        history.append(session, AUDIT_STREAM, [NewEvent("replay.run", None, data)], actor=_actor_name(),
                       at=services.clock.now())
