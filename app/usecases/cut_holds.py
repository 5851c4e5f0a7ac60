"""What a sysadmin sets that holds cuts back (issue 16 items 1 and 5): the global stop, weather
moratoria per segment, and the working-day calendar the cut window reads.

Each function checks the actor's role, then every input, and only then writes; each change is an
event in the ``cut_holds`` history stream with who made it and why. The disconnection flow reads
all three at its next look at the cut window; the outbox's check before a trip leaves reads the
global stop, so a trip already queued is held back too.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from app.clock import Clock
from app.rules.beijing import beijing_date
from app.rules.cut_calendar import LIBRARY, day_type, library_days, library_years
from app.runtime.actors import Actor
from app.runtime.errors import Forbidden, NotFound, RuntimeActionError
from app.runtime.events import history
from app.runtime.events.history import NewEvent
from app.runtime.forms import FormInvalid
from app.translations import N_, Text
from storage import cut_holds, segments
from storage.cut_holds import DAY_KINDS, MORATORIUM_KINDS, Moratorium, TripStop

STREAM = "cut_holds"
ROLES = ("sysadmin",)
MAX_REASON = 500
MAX_MORATORIUM_DAYS = 366


def _require(actor: Actor) -> None:
    if not any(actor.has_role(role) for role in ROLES):
        raise Forbidden(Text(N_("holding cuts back needs the Sysadmin role; {actor} does not hold it"),
                             actor=actor.name))


def _reason(text: str | None) -> str:
    reason = (text or "").strip()
    if not reason:
        raise RuntimeActionError(Text(N_("a reason is required")))
    if len(reason) > MAX_REASON:
        raise RuntimeActionError(Text(N_("the reason is longer than {limit} characters"), limit=MAX_REASON))
    return reason


def _record(session: Session, actor: Actor, now: datetime, kind: str, facts: dict[str, Any]) -> None:
    history.append(session, STREAM, [NewEvent(kind, None, facts)], actor=actor.name, at=now)


# --- the global stop ---------------------------------------------------------------------------

def set_stop(session: Session, clock: Clock, actor: Actor, reason: str | None) -> dict[str, Any]:
    """Halt every trip from now on, queued ones included, until lifted."""
    _require(actor)
    why = _reason(reason)
    if cut_holds.active_stop(session, lock=True) is not None:
        raise RuntimeActionError(Text(N_("a global stop already holds: lift it before setting another")))
    now = clock.now()
    stop = TripStop(reason=why, set_by=actor.name, set_at=now)
    cut_holds.add(session, stop)
    _record(session, actor, now, "cut.stop_set", {"stop": stop.id, "reason": why})
    return {"stop": stop.id, "reason": why, "set_at": now.isoformat()}


def lift_stop(session: Session, clock: Clock, actor: Actor, reason: str | None) -> dict[str, Any]:
    """Lift the global stop: the flows it held ask the cut window again at their next look."""
    _require(actor)
    why = _reason(reason)
    stop = cut_holds.active_stop(session, lock=True)
    if stop is None:
        raise RuntimeActionError(Text(N_("no global stop holds")))
    now = clock.now()
    stop.lifted_by, stop.lifted_at, stop.lift_reason = actor.name, now, why
    _record(session, actor, now, "cut.stop_lifted", {"stop": stop.id, "reason": why, "set_by": stop.set_by})
    return {"stop": stop.id, "lifted_at": now.isoformat()}


# --- moratoria ---------------------------------------------------------------------------------

def set_moratorium(session: Session, clock: Clock, actor: Actor, *, segment_code: str | None, kind: str,
                   starts_on: date | None, ends_on: date | None, reason: str | None) -> dict[str, Any]:
    """No cuts in ``segment_code`` (every segment: None) from ``starts_on`` to ``ends_on``, inclusive."""
    _require(actor)
    errors: dict[str, Text] = {}
    if segment_code and segment_code not in segments.codes(session):
        errors["segment_code"] = Text(N_("no segment {code}"), code=segment_code)
    if kind not in MORATORIUM_KINDS:
        errors["kind"] = Text(N_("the kind is one of {kinds}"), kinds=", ".join(MORATORIUM_KINDS))
    if starts_on is None:
        errors["starts_on"] = Text(N_("the first day (YYYY-MM-DD) is required"))
    if ends_on is None:
        errors["ends_on"] = Text(N_("the last day (YYYY-MM-DD) is required"))
    elif starts_on is not None and not 0 <= (ends_on - starts_on).days < MAX_MORATORIUM_DAYS:
        errors["ends_on"] = Text(N_("the last day is on or after the first, within a year of it"))
    why = (reason or "").strip()
    if not why or len(why) > MAX_REASON:
        errors["reason"] = Text(N_("a reason of at most {limit} characters is required"), limit=MAX_REASON)
    if errors:
        raise FormInvalid(errors)
    assert starts_on is not None and ends_on is not None
    now = clock.now()
    row = Moratorium(segment_code=segment_code or None, kind=kind, starts_on=starts_on, ends_on=ends_on, reason=why,
                     set_by=actor.name, set_at=now)
    cut_holds.add(session, row)
    facts = {"moratorium": row.id, "segment": row.segment_code, "kind": kind, "starts_on": starts_on.isoformat(),
             "ends_on": ends_on.isoformat(), "reason": why}
    _record(session, actor, now, "cut.moratorium_set", facts)
    return facts


def lift_moratorium(session: Session, clock: Clock, actor: Actor, moratorium_id: int) -> dict[str, Any]:
    _require(actor)
    row = cut_holds.find_moratorium(session, moratorium_id, lock=True)
    if row is None:
        raise NotFound(Text(N_("no moratorium {id}"), id=moratorium_id))
    if row.lifted_at is not None:
        raise RuntimeActionError(Text(N_("moratorium {id} was lifted already"), id=moratorium_id))
    now = clock.now()
    row.lifted_by, row.lifted_at = actor.name, now
    _record(session, actor, now, "cut.moratorium_lifted", {"moratorium": row.id, "segment": row.segment_code})
    return {"moratorium": row.id, "lifted_at": now.isoformat()}


# --- the calendar ------------------------------------------------------------------------------

def set_day(session: Session, clock: Clock, actor: Actor, day: date | None, kind: str,
            name: str | None) -> dict[str, Any]:
    """Change (or add) one day of the calendar: a holiday the State Council added, say."""
    _require(actor)
    if day is None:
        raise RuntimeActionError(Text(N_("the day (YYYY-MM-DD) is required")))
    if kind not in DAY_KINDS:
        raise RuntimeActionError(Text(N_("the kind of day is one of {kinds}"), kinds=", ".join(DAY_KINDS)))
    label = (name or "").strip()[:64] or None
    now = clock.now()
    row = cut_holds.find_day(session, day, lock=True)
    old = (row.kind, row.name) if row else None
    if old == (kind, label):
        return {"day": day.isoformat(), "changed": False}
    if row is None:
        cut_holds.add_days(session, [(day, kind, label)], actor.name, now)
    else:
        row.kind, row.name, row.source, row.changed_at = kind, label, actor.name, now
    _record(session, actor, now, "calendar.day_changed", {"day": day.isoformat(), "old": list(old) if old else None,
                                                          "new": [kind, label]})
    return {"day": day.isoformat(), "changed": True}


def seed_calendar(session: Session, clock: Clock, actor: Actor, first_year: int | None = None,
                  last_year: int | None = None) -> dict[str, Any]:
    """Add the days of the kept Chinese holiday calendar the table does not hold yet (a day
    already there, changed by a sysadmin or not, is kept), from ``first_year`` (default: last
    year) to ``last_year`` (default: the last the library covers)."""
    covered = library_years()
    now = clock.now()
    first = first_year or max(covered[0], now.year - 1)
    last = last_year or covered[1]
    if not covered[0] <= first <= last <= covered[1]:
        raise RuntimeActionError(Text(N_("{library} covers {first}–{last}"), library=LIBRARY, first=covered[0],
                                      last=covered[1]))
    added = cut_holds.add_days(session, library_days(date(first, 1, 1), date(last, 12, 31)), LIBRARY, now)
    if added:
        history.append(session, STREAM, [NewEvent("calendar.seeded", None, {
            "source": LIBRARY, "first_year": first, "last_year": last, "added": added})], actor=actor.name, at=now)
    return {"added": added, "first_year": first, "last_year": last, "source": LIBRARY}


def active_stop(session: Session) -> TripStop | None:
    """The global stop that holds now, if one does."""
    return cut_holds.active_stop(session)


# --- what the page shows -----------------------------------------------------------------------

def overview(session: Session, now: datetime, days_ahead: int = 21) -> dict[str, Any]:
    """The global stop (and the last ones), the moratoria not over, the calendar's coverage and the
    next ``days_ahead`` days as the cut window reads them."""
    today = beijing_date(now)
    first, last = cut_holds.coverage(session)
    kinds = cut_holds.day_kinds(session, today, today + timedelta(days=days_ahead + 1))
    return {
        "stop": cut_holds.active_stop(session),
        "stops": cut_holds.recent_stops(session, 10),
        "moratoria": cut_holds.recent_moratoria(session, today, 50),
        "coverage": (first, last),
        "days": [{"day": day, "kind": kinds.get(day, (None, None))[0], "name": kinds.get(day, (None, None))[1],
                  "type": day_type(day, kinds)}
                 for day in (today + timedelta(days=n) for n in range(days_ahead))],
        "segments": segments.names(session),
        "today": today,
    }
