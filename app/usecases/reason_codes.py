"""The coded reasons a sysadmin keeps (issue 16 item 7): add a code, rename it (its English and
Chinese labels), retire it or bring it back, and say which cancelled-cut code a not-cut cause is
counted under. A code is never deleted nor renumbered — cases that chose it keep showing it —
so there is no delete and no change of a code's code. Each change is an event in the
``reason_codes`` history stream with who made it, the old and the new.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from app.clock import Clock
from app.runtime.actors import Actor
from app.runtime.errors import Forbidden, NotFound, RuntimeActionError
from app.runtime.events import history
from app.runtime.events.history import NewEvent
from app.runtime.forms import FormInvalid
from app.translations import N_, Text
from storage import reason_codes
from storage.reason_codes import CANCELLED_CUT, KINDS, CutCauseCode, ReasonCode

STREAM = "reason_codes"
ROLES = ("sysadmin",)
CODE = re.compile(r"[A-Z0-9]{1,8}")
CAUSE = re.compile(r"[a-z][a-z0-9_]{0,31}")
MAX_LABEL = 120


def _require(actor: Actor) -> None:
    if not any(actor.has_role(role) for role in ROLES):
        raise Forbidden(Text(N_("keeping the reason codes needs the Sysadmin role; {actor} does not hold it"),
                             actor=actor.name))


def _labels(label_en: str | None, label_zh: str | None, errors: dict[str, Text]) -> tuple[str, str]:
    labels = (label_en or "").strip(), (label_zh or "").strip()
    for field, label in zip(("label_en", "label_zh"), labels, strict=True):
        if not label or len(label) > MAX_LABEL:
            errors[field] = Text(N_("a label of 1 to {limit} characters is required"), limit=MAX_LABEL)
    return labels


def _record(session: Session, actor: Actor, now: datetime, kind: str, facts: dict[str, Any]) -> None:
    history.append(session, STREAM, [NewEvent(kind, None, facts)], actor=actor.name, at=now)


def add_code(session: Session, clock: Clock, actor: Actor, *, kind: str, code: str | None, label_en: str | None,
             label_zh: str | None) -> dict[str, Any]:
    """A new code of ``kind`` (``disconnection`` or ``cancelled_cut``): 1–8 capital letters or digits."""
    _require(actor)
    errors: dict[str, Text] = {}
    if kind not in KINDS:
        errors["kind"] = Text(N_("the kind is one of {kinds}"), kinds=", ".join(KINDS))
    value = (code or "").strip().upper()
    if not CODE.fullmatch(value):
        errors["code"] = Text(N_("a code is 1 to 8 capital letters or digits"))
    elif kind in KINDS and reason_codes.find(session, kind, value) is not None:
        errors["code"] = Text(N_("code {code} exists already (codes are never reused: rename or bring it back)"),
                              code=value)
    en, zh = _labels(label_en, label_zh, errors)
    if errors:
        raise FormInvalid(errors)
    now = clock.now()
    reason_codes.add(session, ReasonCode(kind=kind, code=value, label_en=en, label_zh=zh, changed_by=actor.name,
                                         changed_at=now))
    facts = {"kind": kind, "code": value, "label_en": en, "label_zh": zh}
    _record(session, actor, now, "reason_code.added", facts)
    return facts


def _existing(session: Session, kind: str, code: str) -> ReasonCode:
    row = reason_codes.find(session, kind, code, lock=True)
    if row is None:
        raise NotFound(Text(N_("no {kind} reason code {code}"), kind=kind, code=code))
    return row


def rename_code(session: Session, clock: Clock, actor: Actor, kind: str, code: str, *, label_en: str | None,
                label_zh: str | None) -> dict[str, Any]:
    """New labels for a code (its code stays: cases refer to it)."""
    _require(actor)
    row = _existing(session, kind, code)
    errors: dict[str, Text] = {}
    en, zh = _labels(label_en, label_zh, errors)
    if errors:
        raise FormInvalid(errors)
    old = [row.label_en, row.label_zh]
    if old == [en, zh]:
        return {"kind": kind, "code": code, "changed": False}
    now = clock.now()
    row.label_en, row.label_zh, row.changed_by, row.changed_at = en, zh, actor.name, now
    _record(session, actor, now, "reason_code.renamed", {"kind": kind, "code": code, "old": old, "new": [en, zh]})
    return {"kind": kind, "code": code, "changed": True}


def retire_code(session: Session, clock: Clock, actor: Actor, kind: str, code: str, *,
                retired: bool = True) -> dict[str, Any]:
    """Retire a code (no new case may choose it; old ones keep it), or bring a retired one back."""
    _require(actor)
    row = _existing(session, kind, code)
    if (row.retired_at is not None) == retired:
        raise RuntimeActionError(Text(N_("code {code} is retired already") if retired
                                      else N_("code {code} is in use already"), code=code))
    now = clock.now()
    row.retired_by, row.retired_at = (actor.name, now) if retired else (None, None)
    _record(session, actor, now, "reason_code.retired" if retired else "reason_code.restored",
            {"kind": kind, "code": code})
    return {"kind": kind, "code": code, "retired": retired}


def map_cause(session: Session, clock: Clock, actor: Actor, cause: str | None, code: str | None) -> dict[str, Any]:
    """Count the not-cut ``cause`` (a child's outcome, ``terminated``, an outbox cancellation) under
    the cancelled-cut ``code`` from now on; the reports read the mapping when they count."""
    _require(actor)
    name, value = (cause or "").strip(), (code or "").strip().upper()
    errors: dict[str, Text] = {}
    if not CAUSE.fullmatch(name):
        errors["cause"] = Text(N_("a cause is a name in small letters, digits and _ (at most 32)"))
    row = reason_codes.find(session, CANCELLED_CUT, value)
    if row is None or row.retired_at is not None:
        errors["cut_code"] = Text(N_("choose a cancelled-cut code in use"))
    if errors:
        raise FormInvalid(errors)
    now = clock.now()
    mapping = reason_codes.find_cause(session, name, lock=True)
    old = mapping.code if mapping else None
    if old == value:
        return {"cause": name, "code": value, "changed": False}
    if mapping is None:
        reason_codes.add(session, CutCauseCode(cause=name, code=value, changed_by=actor.name, changed_at=now))
    else:
        mapping.code, mapping.changed_by, mapping.changed_at = value, actor.name, now
    _record(session, actor, now, "reason_code.cause_mapped", {"cause": name, "old": old, "new": value})
    return {"cause": name, "code": value, "changed": True}


def overview(session: Session) -> dict[str, Any]:
    """Every code by kind (retired ones too) and every cause's code, for the sysadmin's page."""
    rows = reason_codes.codes(session)
    return {"codes": {kind: [row for row in rows if row.kind == kind] for kind in KINDS},
            "causes": reason_codes.causes(session)}
