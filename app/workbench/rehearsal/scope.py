"""Which recorded cases a rehearsal runs on: ``{"last": 200}`` (the last N ended cases of the
process; the default), ``{"from": …, "to": …}`` (cases that ended in that range: ISO dates are
Beijing calendar days, both included; ISO times are taken as given) or ``{"customers": [...]}``
(the ended cases of these customer numbers). Anything else is refused naming the field."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from app.rules.beijing import BEIJING
from app.translations import N_
from app.workbench.refusals import WorkbenchInvalid

DEFAULT_LAST = 200
MAX_CASES = 5000
MAX_CUSTOMERS = 1000
SCOPE_KINDS = N_("The scope is one of: last (a number of cases), from and to (dates), customers (a list of "
                 "customer numbers)")


@dataclass(frozen=True)
class Scope:
    last: int = DEFAULT_LAST
    start: datetime | None = None
    end: datetime | None = None
    customers: tuple[str, ...] = ()
    limit: int = MAX_CASES

    def as_dict(self) -> dict[str, Any]:
        if self.customers:
            return {"customers": list(self.customers)}
        if self.start is not None and self.end is not None:
            return {"from": self.start.isoformat(), "to": self.end.isoformat()}
        return {"last": self.last}


def read_scope(raw: object) -> Scope:
    if raw is None or raw == {}:
        return Scope()
    if not isinstance(raw, dict) or (len(raw) != 1 and set(raw) != {"from", "to"}):
        raise WorkbenchInvalid("scope", SCOPE_KINDS)
    if "last" in raw:
        last = raw["last"]
        if not isinstance(last, int) or isinstance(last, bool) or not 1 <= last <= MAX_CASES:
            raise WorkbenchInvalid("scope.last", N_("scope.last is a number of cases from 1 to {most}"),
                                   most=MAX_CASES)
        return Scope(last=last)
    if "customers" in raw:
        customers = raw["customers"]
        if (not isinstance(customers, list) or not 1 <= len(customers) <= MAX_CUSTOMERS
                or not all(isinstance(c, str) and 0 < len(c.strip()) <= 64 for c in customers)):
            raise WorkbenchInvalid("scope.customers", N_(
                "scope.customers is a list of 1 to {most} customer numbers"), most=MAX_CUSTOMERS)
        return Scope(customers=tuple(dict.fromkeys(c.strip() for c in customers)))
    if set(raw) == {"from", "to"}:
        start, end = _moment(raw["from"], "scope.from", False), _moment(raw["to"], "scope.to", True)
        if end <= start:
            raise WorkbenchInvalid("scope.to", N_("scope.to must come after scope.from"))
        return Scope(start=start, end=end)
    raise WorkbenchInvalid("scope", SCOPE_KINDS)


def _moment(value: object, field: str, end_of_day: bool) -> datetime:
    if isinstance(value, str):
        try:
            if "T" not in value and " " not in value.strip():
                day = date.fromisoformat(value.strip())
                return datetime.combine(day + timedelta(days=1 if end_of_day else 0), time(), tzinfo=BEIJING)
            moment = datetime.fromisoformat(value.strip())
            return moment if moment.tzinfo is not None else moment.replace(tzinfo=BEIJING)
        except ValueError:
            pass
    raise WorkbenchInvalid(field, N_("{name} must be a date like 2026-03-02 or a time like 2026-03-02T09:00"),
                           name=field)
