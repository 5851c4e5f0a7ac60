"""The cut window's service tasks (issue 16 items 1 and 2), called by disconnect_customer.bpmn.

``facts`` gathers what the cut-window table reads about the customer now (recorded as the task's
result, so a replay asks the table the same question); the diagram's business-rule task asks the
table. When the table says no — or yes, but the customer has not had the re-notice yet — ``plan``
finds the next allowed moment by asking the same table (through ``ctx.decide``) at every full
hour ahead with the facts of that hour, and says when to send the re-notice and when to wait
until. What the table allows, and how long before a cut the re-notice goes, is the table's; how
far ahead to look and how often to look again while nothing is allowed are the diagram's.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from app.rules.beijing import BEIJING, beijing_date
from app.rules.cut_facts import PROTECTED, CutSituation, Hold, facts_at, hours_after
from app.runtime.contract import ServiceContext
from handlers import sms
from handlers.form_fields import aware_time
from storage import customers as customer_rows
from storage import cut_holds
from storage.domain_models import Customer

# The instance's attributes that show a cut's wait (the instance page, the batch's list of children).
WAIT_UNTIL, WAIT_REASON = "cut_expected_at", "cut_wait_reason"


def facts(ctx: ServiceContext, customer_number: str, noticed_at: str | None = None, renoticed_for: str | None = None,
          renotice_valid_minutes: int = 60) -> dict[str, Any]:
    """The facts the cut-window table reads now (``facts['…']`` in its input expressions)."""
    situation = _situation(ctx.session, customer_number, noticed_at, renoticed_for, renotice_valid_minutes,
                           ctx.now, ctx.now)
    ctx.set_attribute(WAIT_UNTIL, None)  # looking again: the last wait is over
    ctx.set_attribute(WAIT_REASON, None)
    return facts_at(situation, ctx.now)


def plan(ctx: ServiceContext, customer_number: str, rule_task: str, noticed_at: str | None = None,
         renoticed_for: str | None = None, horizon_days: int = 14, recheck_minutes: int = 15) -> dict[str, Any]:
    """When the cut may go: the first moment within ``horizon_days`` the table (the one
    ``rule_task`` asks) allows, at least the table's ``renotice_minutes`` after now so the re-notice
    can go first. Returns ``cut_at`` (None: nothing allowed within the horizon), ``wait_until``
    (the re-notice's moment, the cut's, or a look again in ``recheck_minutes`` when nothing is
    allowed), ``renotice`` (send it now) and ``reason`` (why not now, the table's words)."""
    now, until = ctx.now, ctx.now + timedelta(days=horizon_days)
    situation = _situation(ctx.session, customer_number, noticed_at, None, 60, now, until)
    now_facts = facts_at(situation, now)
    reason = "; ".join(filter(None, [ctx.decide(rule_task, {"facts": now_facts}).get("cut_reason"), now_facts["why"]]))
    cut_at, lead = _first_allowed(ctx, rule_task, situation, now, until)
    if cut_at is not None and cut_at - lead < now:  # too soon for the re-notice: the first moment after it
        cut_at, lead = _first_allowed(ctx, rule_task, situation, now + lead, until)
    if cut_at is None:
        reason = f"{reason or 'no rule allows a cut'} (nothing allowed in the next {horizon_days} days)"
        return _waiting(ctx, {"cut_at": None, "wait_until": (now + timedelta(minutes=recheck_minutes)).isoformat(),
                              "renotice": False, "reason": reason})
    renotice_at = cut_at - lead
    already = aware_time(renoticed_for) if renoticed_for else None
    renotice_now = bool(lead) and renotice_at <= now and already != cut_at
    return _waiting(ctx, {"cut_at": cut_at.isoformat(),
                          "wait_until": (cut_at if renotice_at <= now else renotice_at).isoformat(),
                          "renotice": renotice_now, "renotice_at": renotice_at.isoformat(), "reason": reason})


def _waiting(ctx: ServiceContext, planned: dict[str, Any]) -> dict[str, Any]:
    """The plan, with the wait shown on the instance (its attributes) until the next look."""
    ctx.set_attribute(WAIT_UNTIL, planned["cut_at"] or planned["wait_until"])
    ctx.set_attribute(WAIT_REASON, planned["reason"][:255])
    return planned


def renotice(ctx: ServiceContext, customer_number: str, cut_at: str) -> dict[str, Any]:
    """The re-notice SMS shortly before the trip (issue 16 item 2), to a customer subscribed to
    disconnection notices; an answer, not an error, when they are not (``sent: False``)."""
    moment = aware_time(cut_at)
    if moment is None:
        raise ValueError(f"cut time {cut_at!r} is not an ISO-8601 time with a time zone")
    outcome = sms.notify_customer(ctx, customer_number, "disconnection_renotice",
                                  {"time": moment.astimezone(BEIJING).strftime("%H:%M")})
    return {**outcome, "for": moment.isoformat(), "at": ctx.now.isoformat()}


def _first_allowed(ctx: ServiceContext, rule_task: str, situation: CutSituation, start: datetime,
                   until: datetime) -> tuple[datetime | None, timedelta]:
    if situation.stop is not None:  # a global stop has no end to plan for: the outbox holds every trip while it holds
        return None, timedelta(0)
    for moment in hours_after(start, until):
        answer = ctx.decide(rule_task, {"facts": facts_at(situation, moment)})
        if answer.get("cut_allowed"):
            return moment, timedelta(minutes=int(answer.get("renotice_minutes") or 0))
    return None, timedelta(0)


def _situation(session: Session, customer_number: str, noticed_at: str | None, renoticed_for: str | None,
               renotice_valid_minutes: int, start: datetime, until: datetime) -> CutSituation:
    customer = customer_rows.existing(session, customer_number)
    [situation] = situations(session, [customer], {customer.number: noticed_at}, start, until).values()
    return replace(situation, renoticed_for=aware_time(renoticed_for) if renoticed_for else None,
                   renotice_valid=timedelta(minutes=renotice_valid_minutes))


def situations(session: Session, customers: Iterable[Customer], noticed: Mapping[str, str | None], start: datetime,
               until: datetime) -> dict[str, CutSituation]:
    """Each customer's situation for the cut window from ``start`` to ``until``, by number: the
    calendar, the global stop and the moratoria read once for all of them."""
    first, last = beijing_date(start) - timedelta(days=1), beijing_date(until) + timedelta(days=1)
    kinds = cut_holds.day_kinds(session, first, last)
    stop = cut_holds.active_stop(session)
    moratoria = cut_holds.moratoria_touching(session, None, first, last)
    found = {}
    for customer in customers:
        at = noticed.get(customer.number)
        found[customer.number] = CutSituation(
            customer_class=PROTECTED if customer.protected_kind else customer.customer_class,
            overdue_since=customer.overdue_since,
            medical_certificate_on=customer.medical_certificate_on,
            noticed_at=aware_time(at) if at else None,
            kinds=kinds,
            moratoria=[Hold(m.starts_on, m.ends_on, f"{m.kind} moratorium {m.starts_on}–{m.ends_on}: {m.reason}")
                       for m in moratoria if m.segment_code in (None, customer.segment_code)],
            stop=stop.reason if stop else None)
    return found


def notice_given(ctx: ServiceContext, customer_number: str, how: str) -> dict[str, Any]:
    """The executor gave the advance notice by hand (paper, phone or in person) to a customer the
    batch's SMS could not reach (issue 16 item 2): its time is now, and the cut window counts from it."""
    customer_rows.existing(ctx.session, customer_number)
    return {"at": ctx.now.isoformat(), "how": how}
