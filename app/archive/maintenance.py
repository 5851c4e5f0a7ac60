"""Customer-archive maintenance the operators' screens call: the auto-reconnect flag (M1.2),
SMS subscriptions and customer mobiles (M2.1), and the readers' phones of segments (M3).

Each function checks the actor's role before anything else, then every input, and only then
writes; so a refusal (``Forbidden``, ``NotFound``, ``RuntimeActionError``) leaves nothing
changed. Each change is recorded as an event in the ``archive`` history stream with its
old and new values; asking for the value already held changes nothing and records nothing.
The read-only views are in ``app.archive.lookups``.
"""

from __future__ import annotations

from collections.abc import Sequence
from types import EllipsisType
from typing import Any

from sqlalchemy.orm import Session

from app.accounts.users import USERNAME
from app.archive.lookups import find_customer, find_segment
from app.clock import Clock
from app.rules.screening import screen
from app.rules.sms import normalize_mainland_mobile
from app.runtime.actors import Actor
from app.runtime.errors import Forbidden, RuntimeActionError
from app.runtime.events import history
from app.runtime.events.history import NewEvent
from app.translations import N_, Text, joined
from storage import subscriptions
from storage.domain_models import NOTICE_TYPES, Customer, SmsSubscription

STREAM = "archive"
FLAG_ROLES = ("applicant", "executor")  # M1.2.2
FRONT_DESK_ROLES = ("sysadmin", "applicant", "executor")
READER_PHONE_ROLES = ("sysadmin",)  # M3.2


def require_role(actor: Actor, roles: Sequence[str], what: str, rule: str) -> None:
    if not any(actor.has_role(role) for role in roles):
        # a role's label is its id capitalized (app.web.i18n.ROLE_LABELS): the catalog translates it
        raise Forbidden(Text(N_("{what} needs the {roles} role ({rule}); {actor} does not hold it"), what=Text(what),
                             roles=joined(Text(role.capitalize()) for role in roles), rule=rule, actor=actor.name))


def _record(session: Session, clock: Clock, actor: Actor, events: list[NewEvent]) -> None:
    history.append(session, STREAM, events, actor=actor.name, at=clock.now())


def _mobile(number: str) -> str:
    try:
        return normalize_mainland_mobile(number)
    except ValueError as exc:
        raise RuntimeActionError(str(exc)) from None


# --- M1.2 the auto-reconnect flag -------------------------------------------------------------

def _failing(customer: Customer) -> list[str]:
    """The M1.1 criteria ``customer`` fails, each as "rule reason"."""
    return [f"{c.rule} {c.reason}" for c in screen(customer).criteria if not c.holds]


def _failing_texts(customer: Customer) -> list[Text]:
    """The M1.1 criteria ``customer`` fails, each as "rule reason", in the reader's language."""
    return [Text(N_("{rule} {reason}"), rule=c.rule, reason=Text(c.reason))
            for c in screen(customer).criteria if not c.holds]


def _flag_refusal(customer: Customer, value: bool, *, force: bool, reason: str) -> Text | None:
    """Why setting ``customer``'s flag to ``value`` is refused, or None when it may go ahead."""
    failing = _failing(customer)
    if not value or not failing or (force and reason.strip()):
        return None
    return Text(N_("customer {number} fails screening ({failing})"), number=customer.number,
                failing=_failing_texts(customer))


def _flag_event(clock: Clock, actor: Actor, customer: Customer, value: bool, reason: str) -> NewEvent:
    """Change the flag (who and when included) and return the event that records it."""
    data: dict[str, Any] = {"customer": customer.number, "old": customer.auto_reconnect, "new": value,
                            "reason": reason.strip()}
    failing = _failing(customer) if value else []
    if failing:
        data["forced"], data["failing"] = True, failing
    customer.auto_reconnect = value
    customer.auto_reconnect_by, customer.auto_reconnect_at = actor.name, clock.now()
    return NewEvent("customer.flag_changed", None, data)


def _flag_outcome(customer: Customer, old: bool, value: bool) -> dict[str, Any]:
    return {"customer": customer.number, "old": old, "new": value, "changed": old != value,
            "eligible": screen(customer).eligible}


def set_auto_reconnect(session: Session, clock: Clock, actor: Actor, customer_number: str, value: bool, *,
                       reason: str = "", force: bool = False) -> dict[str, Any]:
    """Set or clear a customer's auto-reconnect flag (M1.2); only applicants and executors may (M1.2.2).

    Setting it on a customer who fails M1.1 screening is refused, naming the failing criteria,
    unless ``force`` comes with a non-empty ``reason`` (both recorded). Clearing is always allowed.
    Returns ``{customer, old, new, changed, eligible}``.
    """
    require_role(actor, FLAG_ROLES, N_("changing the auto-reconnect flag"), "M1.2.2")
    customer = find_customer(session, customer_number, lock=True)
    old = customer.auto_reconnect
    if old == value:
        return _flag_outcome(customer, old, value)
    refusal = _flag_refusal(customer, value, force=force, reason=reason)
    if refusal is not None:
        hint = Text(N_("forcing it needs a reason") if force else N_("force it with a reason to set it anyway"))
        raise RuntimeActionError(Text(N_("{refusal}: the auto-reconnect flag must be right, or automatic "
                                         "reconnection will be tried and cannot succeed; {hint}"),
                                      refusal=refusal, hint=hint))
    _record(session, clock, actor, [_flag_event(clock, actor, customer, value, reason)])
    return _flag_outcome(customer, old, value)


def set_auto_reconnect_bulk(session: Session, clock: Clock, actor: Actor, numbers: Sequence[str], value: bool,
                            reason: str) -> dict[str, Any]:
    """Set or clear the flag of many customers at once, all or nothing.

    Any unknown customer, or (when setting) any customer failing screening, refuses the whole
    batch with one message listing them all; nothing is changed. There is no ``force`` here: a
    flag against the screening is a decision about one customer, taken with ``set_auto_reconnect``.
    Returns ``{changed, unchanged, outcomes: [{customer, old, new, changed, eligible}]}``.
    """
    require_role(actor, FLAG_ROLES, N_("changing the auto-reconnect flag"), "M1.2.2")
    customers = [find_customer(session, number, lock=True) for number in dict.fromkeys(numbers)]
    refusals = [r for c in customers if c.auto_reconnect != value
                and (r := _flag_refusal(c, value, force=False, reason="")) is not None]
    if refusals:
        raise RuntimeActionError(Text(N_("nothing was changed: {n} customer(s) refused — {refusals}; to flag one "
                                         "anyway, force it alone with a reason"), n=len(refusals), refusals=refusals))
    outcomes, events = [], []
    for customer in customers:
        old = customer.auto_reconnect
        if old != value:
            events.append(_flag_event(clock, actor, customer, value, reason))
        outcomes.append(_flag_outcome(customer, old, value))
    _record(session, clock, actor, events)
    changed = sum(o["changed"] for o in outcomes)
    return {"changed": changed, "unchanged": len(outcomes) - changed, "outcomes": outcomes}


# --- M2.1 SMS subscriptions and customer mobiles ----------------------------------------------

def set_subscription(session: Session, clock: Clock, actor: Actor, customer_number: str, notice_type: str,
                     subscribed: bool) -> dict[str, Any]:
    """Subscribe a customer to one kind of service SMS, or unsubscribe them (M2.1).

    Customers do not log in: front-desk staff (applicants, executors) and system administrators
    change it for them, so those roles may. ``notice_type`` is one of ``NOTICE_TYPES``.
    Returns ``{customer, notice_type, old, new, changed}``.
    """
    require_role(actor, FRONT_DESK_ROLES, N_("changing an SMS subscription"), "M2.1")
    if notice_type not in NOTICE_TYPES:
        raise RuntimeActionError(Text(N_("unknown notice type {kind}; notice types are {kinds}"),
                                      kind=repr(notice_type), kinds=", ".join(NOTICE_TYPES)))
    customer = find_customer(session, customer_number, lock=True)
    row = session.get(SmsSubscription, (customer.id, notice_type))
    old = row is not None
    if old != subscribed:
        if row is None:
            subscriptions.subscribe(session, customer.id, notice_type, clock.now())
        else:
            subscriptions.unsubscribe(session, row)
        _record(session, clock, actor, [NewEvent("customer.subscription_changed", None, {
            "customer": customer.number, "notice_type": notice_type, "old": old, "new": subscribed})])
    return {"customer": customer.number, "notice_type": notice_type, "old": old, "new": subscribed,
            "changed": old != subscribed}


def set_customer_mobile(session: Session, clock: Clock, actor: Actor, customer_number: str,
                        mobile: str | None) -> dict[str, Any]:
    """Set the mobile number service SMS go to (M2.1), stored as its 11 digits; None or blank clears it.

    The same roles as ``set_subscription`` (front desk acting for the customer). A number that is
    not a mainland China mobile is refused with the reason. Returns ``{customer, old, new, changed}``.
    """
    require_role(actor, FRONT_DESK_ROLES, N_("changing a customer's mobile number"), "M2.1")
    new = _mobile(mobile) if mobile and mobile.strip() else None
    customer = find_customer(session, customer_number, lock=True)
    old = customer.mobile
    if old != new:
        customer.mobile = new
        _record(session, clock, actor, [NewEvent("customer.mobile_changed", None,
                                                 {"customer": customer.number, "old": old, "new": new})])
    return {"customer": customer.number, "old": old, "new": new, "changed": old != new}


# --- M3 readers' and fee collectors' phones ---------------------------------------------------

def set_reader_phone(session: Session, clock: Clock, actor: Actor, segment_code: str, mobile: str | None, *,
                     reader_username: str | EllipsisType | None = ...) -> dict[str, Any]:
    """Record the mobile of a segment's meter reader / fee collector (M3.1); only a sysadmin may (M3.2).

    ``mobile`` must be a mainland China mobile (stored as 11 digits); None or blank clears it.
    ``reader_username``, when given, also changes who the reader is (None clears it); it is
    recorded as its own ``segment.reader_changed`` event. Returns ``{segment, old, new, changed,
    reader_username}``.
    """
    require_role(actor, READER_PHONE_ROLES, N_("changing a reader's phone"), "M3.2")
    new = _mobile(mobile) if mobile and mobile.strip() else None
    keep_reader = isinstance(reader_username, EllipsisType)
    new_reader = None if isinstance(reader_username, EllipsisType) else (reader_username or "").strip() or None
    if new_reader is not None and not USERNAME.match(new_reader):
        raise RuntimeActionError(Text(N_("{user} is not a username: 2-64 lower-case letters, digits, '.', '_' or '-'"),
                                      user=repr(new_reader)))
    segment = find_segment(session, segment_code, lock=True)
    events = []
    if not keep_reader and segment.reader_username != new_reader:
        events.append(NewEvent("segment.reader_changed", None,
                               {"segment": segment.code, "old": segment.reader_username, "new": new_reader}))
        segment.reader_username = new_reader
    old = segment.reader_mobile
    if old != new:
        events.append(NewEvent("segment.reader_phone_changed", None, {"segment": segment.code, "old": old, "new": new}))
        segment.reader_mobile = new
    _record(session, clock, actor, events)
    return {"segment": segment.code, "old": old, "new": new, "changed": bool(events),
            "reader_username": segment.reader_username}
