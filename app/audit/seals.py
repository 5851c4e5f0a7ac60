"""The global chain (issue 5 §2): seals over ranges of history events, anchored outside.

Per-stream chains catch an edited, deleted or reordered event, but not a stream deleted whole
(an instance with all its events) nor a stream rewritten consistently by someone with database
access. A seal digests every event in an id range — (after, through] — lists the head each
stream reached in it, links to the previous seal, and is signed with a key the database does
not hold; a copy of each seal goes to an append-only anchor file. ``verify_seals`` recomputes it
all and compares with the anchor.

A global chain *per event* would put one lock on every write of every instance (the end of
scale-out); sealing ranges after the fact costs nothing on the write path. Events join a seal
only once they are ``lag`` old, so a PostgreSQL transaction that took an id earlier and commits
later never lands inside a range already sealed. The worker seals in rounds, one every
``SEAL_SECONDS``: a round takes what is old enough as it begins and leaves the rest for the next.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.audit.seal_keeping import AnchorFile, AnchorReading, SealKey, SealKeyMissing
from app.clock import Clock
from app.runtime.canonical import canonical_json, sha256_hex
from app.runtime.events.history import GENESIS_HASH
from storage import seals as seal_rows
from storage.db import Database
from storage.models import HistorySeal
from storage.seals import SealedEvent

MAX_EVENTS_PER_SEAL = 50_000


def range_digest(rows: Sequence[SealedEvent]) -> str:
    digest = hashlib.sha256()
    for row in rows:
        digest.update(f"{row.id} {row.stream} {row.seq} {row.hash}\n".encode())
    return digest.hexdigest()


SEALED_FIELDS = ("n", "after_event_id", "through_event_id", "events", "digest", "heads", "at", "prev_hash")


def seal_hash(seal: HistorySeal) -> str:
    """SHA-256 of the canonical JSON of the sealed fields (``at`` as ISO text)."""
    values = {name: getattr(seal, name) for name in SEALED_FIELDS}
    return sha256_hex(canonical_json({**values, "at": seal.at.isoformat()}))


def anchor_entry(seal: HistorySeal) -> dict[str, Any]:
    return {"n": seal.n, "through_event_id": seal.through_event_id, "events": seal.events, "hash": seal.hash,
            "signature": seal.signature, "at": seal.at.isoformat()}


class Sealer:
    def __init__(self, db: Database, clock: Clock, key_path: Path, anchor_path: Path, lag: timedelta) -> None:
        self.db, self.clock, self.key_path, self.lag = db, clock, key_path, lag
        self.anchor = AnchorFile(anchor_path)

    def seal_all(self) -> int:
        """One sealing round (the worker runs one every ``SEAL_SECONDS``; ``audit seal`` on demand):
        seal every event that was old enough when the round began — in one seal, or in seals of at most
        ``MAX_EVENTS_PER_SEAL`` for a larger backlog — then copy them to the anchor file; returns how
        many seals. Events that arrive or ripen meanwhile wait for the next round, so a round ends
        however busy the system is (issue 10 item 21)."""
        key = SealKey.load(self.key_path, create=True)
        cutoff = self.clock.now() - self.lag
        with self.db.reading() as session:  # the id bound too: a writer's clock may lag behind ours
            last_event_id = seal_rows.last_event_id(session)
        made = 0
        while self._seal_next(key, cutoff, last_event_id):
            made += 1
        self.anchor_missing()
        return made

    def _seal_next(self, key: SealKey, cutoff: datetime, last_event_id: int) -> bool:
        try:
            with self.db.transaction() as session:
                return self._seal(session, key, cutoff, last_event_id)
        except IntegrityError:  # another worker sealed the same range first
            return False

    def _seal(self, session: Session, key: SealKey, cutoff: datetime, last_event_id: int) -> bool:
        """Seal the next events up to ``last_event_id`` that are at most ``cutoff`` old, if any."""
        last = seal_rows.last_seal(session)
        after = last.through_event_id if last else 0
        rows = seal_rows.events_between(session, after, last_event_id, limit=MAX_EVENTS_PER_SEAL)
        ripe = []
        for row in rows:
            if row.at > cutoff:
                break
            ripe.append(row)
        if not ripe:
            return False
        seal = HistorySeal(n=(last.n if last else 0) + 1, after_event_id=after, through_event_id=ripe[-1].id,
                           events=len(ripe), digest=range_digest(ripe), heads=_heads(ripe), at=self.clock.now(),
                           prev_hash=last.hash if last else GENESIS_HASH, hash="", signature="")
        seal.hash = seal_hash(seal)
        seal.signature = key.sign(seal.hash)
        seal_rows.add(session, seal)
        return True

    def anchor_missing(self) -> None:
        """Copy to the anchor file every seal it does not hold yet (after a crash between the two too)."""
        anchored = max((entry["n"] for _line, entry in self.anchor.entries()), default=0)
        with self.db.reading() as session:
            seals = seal_rows.seals(session, after=anchored)
            self.anchor.append([anchor_entry(seal) for seal in seals])


def _heads(rows: Sequence[SealedEvent]) -> dict[str, list[Any]]:
    heads: dict[str, list[Any]] = {}
    for row in rows:
        heads[row.stream] = [row.seq, row.hash]
    return heads


@dataclass
class SealReport:
    seals: int = 0
    unsealed_events: int = 0
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def verify_seals(session: Session, key_path: Path, anchored: AnchorReading) -> SealReport:
    """Recompute every seal from the events, check its link and signature, and compare the seals
    with the anchor file; name each problem.

    Read the anchor file (``anchored``) *before* the session's first statement, and give a session
    that is one snapshot (``Database.snapshot``): the sealer appends a seal to the anchor only once
    its transaction has committed, so every seal the anchor then listed is in the snapshot — one
    missing was cut, however new — and a seal made meanwhile is in neither (issue 10 item 20)."""
    report = SealReport()
    seals = seal_rows.seals(session)
    report.seals = len(seals)
    key = _key_for_checking(key_path, report) if seals else None
    prev, after = GENESIS_HASH, 0
    for expected_n, seal in enumerate(seals, start=1):
        report.problems.extend(_check_seal(session, seal, expected_n, prev, after, key))
        prev, after = seal.hash, seal.through_event_id
    report.unsealed_events = seal_rows.events_after(session, after)
    report.problems.extend(_compare_with_anchor(seals, anchored, report))
    return report


def _key_for_checking(key_path: Path, report: SealReport) -> SealKey | None:
    try:
        return SealKey.load(key_path)
    except SealKeyMissing as exc:
        report.problems.append(str(exc))
        return None


def _check_seal(session: Session, seal: HistorySeal, expected_n: int, prev: str, after: int,
                key: SealKey | None) -> list[str]:
    problems = []
    name = f"seal {seal.n}"
    if seal.n != expected_n:
        problems.append(f"seal {expected_n} is missing from the database")
    if seal.prev_hash != prev or seal.after_event_id != after:
        problems.append(f"{name}: does not follow the seal before it")
    if seal_hash(seal) != seal.hash:
        problems.append(f"{name}: content does not match its hash")
    if key is not None and not key.signed(seal.hash, seal.signature):
        problems.append(f"{name}: signature is not this installation's (forged or re-made without the key)")
    rows = seal_rows.events_between(session, seal.after_event_id, seal.through_event_id)
    if len(rows) != seal.events or range_digest(rows) != seal.digest:
        problems.append(f"{name}: events {seal.after_event_id + 1}…{seal.through_event_id} changed since sealed "
                        f"({seal.events} sealed, {len(rows)} there now)")
        present = {(row.stream, row.seq): row.hash for row in rows}
        for stream, (seq, digest) in sorted(seal.heads.items()):
            found = present.get((stream, seq))
            if found is None:
                problems.append(f"{stream}: event #{seq}, sealed by {name}, is gone")
            elif found != digest:
                problems.append(f"{stream}: event #{seq} was rewritten after {name} sealed it")
    return problems


def _compare_with_anchor(seals: Sequence[HistorySeal], anchored: AnchorReading, report: SealReport) -> list[str]:
    if anchored.unreadable is not None:
        return [anchored.unreadable]
    entries, path = anchored.entries, anchored.path
    by_n = {seal.n: seal for seal in seals}
    problems = []
    for line, entry in entries:
        seal = by_n.get(entry["n"])
        if seal is None:
            problems.append(f"seal {entry['n']} (anchored at {path} line {line}) is missing from the database: "
                            f"the history it sealed was cut")
        elif seal.hash != entry["hash"]:
            problems.append(f"seal {seal.n} differs from its anchor ({path} line {line}): re-made")
    in_anchor = {entry["n"] for _line, entry in entries}
    waiting = [seal.n for seal in seals if seal.n not in in_anchor]
    if waiting:
        report.notes.append(f"{len(waiting)} seal(s) not yet in the anchor file (from seal {waiting[0]})")
    return problems


def seal_document(seal: HistorySeal) -> dict[str, Any]:
    """A seal as a third party re-computes its hash (``seal_hash``) and finds it in the anchor file."""
    return {"n": seal.n, "after_event_id": seal.after_event_id, "through_event_id": seal.through_event_id,
            "events": seal.events, "digest": seal.digest, "heads": seal.heads, "at": seal.at.isoformat(),
            "prev_hash": seal.prev_hash, "hash": seal.hash, "signature": seal.signature}
