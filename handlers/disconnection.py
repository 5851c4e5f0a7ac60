"""Disconnection for arrears (M4): the checks of each user task and the service tasks of
bpmn/disconnect.bpmn (the batch) and bpmn/disconnect_customer.bpmn (one child per customer)."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from app.rules.beijing import BEIJING
from app.runtime.contract import ServiceContext
from app.runtime.errors import RuntimeActionError
from app.runtime.forms import FormContext, FormInvalid
from app.translations import N_, Text
from handlers import sms
from handlers.form_fields import aware_time, event_time_error
from storage import customers as customer_rows
from storage import disconnections as disconnection_rows
from storage import reason_codes, segments
from storage.domain_models import DISCONNECTED
from storage.reason_codes import DISCONNECTION, REASON_ATTRIBUTE

DECISIONS = ("approve", "send_back")


# -- user-task validators --------------------------------------------------------------------

def validate_application(form: FormContext, data: dict[str, Any]) -> dict[str, Any]:
    """M4.1: customers and a reason. A protected customer cannot be added; a customer of another
    reader's segment is a warning (kept in the data for everyone to see), not a refusal."""
    numbers = data.get("customers")
    reason = str(data.get("reason") or "").strip()
    errors: dict[str, str] = {}
    limit = _batch_limit(form)
    if not isinstance(numbers, list) or not numbers or not all(isinstance(n, str) for n in numbers):
        errors["customers"] = Text(N_("pick at least one customer (a list of customer numbers)"))
    elif limit is not None and len(set(numbers)) > limit:
        errors["customers"] = Text(N_("at most {limit} customers in one application; this one has {count}"),
                                   limit=limit, count=len(set(numbers)))
    if not reason:
        errors["reason"] = Text(N_("the reason for the disconnection is required"))
    reason_code = str(data.get("reason_code") or "").strip() or default_reason_code(form.session)
    if (code_error := reason_code_error(form.session, reason_code)) is not None:
        errors["reason_code"] = code_error
    planned = _date(data.get("planned_date"))
    if planned is None:
        errors["planned_date"] = Text(N_("the planned disconnection date (YYYY-MM-DD) is required: "
                                         "the notice names it"))
    elif planned < form.now.astimezone(BEIJING).date():
        errors["planned_date"] = Text(N_("the planned disconnection date cannot be in the past"))
    if errors:
        raise FormInvalid(errors)
    numbers = list(dict.fromkeys(numbers or []))  # the same customer twice is once
    rows = customer_rows.by_numbers(form.session, numbers)
    unknown = [n for n in numbers if n not in rows]
    protected = [Text(N_("{number} (protected: {reason})"), number=n, reason=rows[n].protected_reason)
                 for n in numbers if n in rows and rows[n].protected_kind]
    already_disconnected = [n for n in numbers if n in rows and rows[n].power_status == DISCONNECTED]
    owing_nothing = [n for n in numbers if n in rows and rows[n].owed_cents <= 0]
    if unknown:
        errors["customers"] = Text(N_("no such customer: {numbers}"), numbers=", ".join(unknown))
    elif protected:
        errors["customers"] = Text(N_("protected customers cannot be disconnected: {customers}"),
                                   customers=protected)
    elif already_disconnected:
        errors["customers"] = Text(N_("already disconnected: {numbers}"), numbers=", ".join(already_disconnected))
    elif owing_nothing:
        errors["customers"] = Text(N_("not in arrears (they owe nothing): {numbers}"), numbers=", ".join(owing_nothing))
    if errors:
        raise FormInvalid(errors)
    readers = dict(segments.readers(form.session))
    warnings = [_reader_warning(n, rows[n].segment_code, readers.get(rows[n].segment_code))
                for n in numbers if readers.get(rows[n].segment_code) != form.actor.name]
    form.set_attribute(REASON_ATTRIBUTE, reason_code)  # the reports count the batch's cuts under it
    return {"customers": numbers, "reason": reason, "reason_code": reason_code, "planned_date": str(planned),
            "applicant": form.actor.name, "reader_warnings": warnings}


def default_reason_code(session: Session) -> str:
    """The first active disconnection reason code (01, dunning level reached, as shipped); "" if none is."""
    active = reason_codes.codes(session, DISCONNECTION, active_only=True)
    return active[0].code if active else ""


def reason_code_error(session: Session, code: str) -> Text | None:
    """Why ``code`` cannot be an application's disconnection reason code (issue 16 item 7), or None."""
    active = [row.code for row in reason_codes.codes(session, DISCONNECTION, active_only=True)]
    if code in active:
        return None
    if not active:
        return Text(N_("no disconnection reason code is in use: a sysadmin adds one on the reason codes page"))
    row = reason_codes.find(session, DISCONNECTION, code) if code else None
    if row is not None:
        return Text(N_("reason code {code} is retired: choose one of {codes}"), code=code, codes=", ".join(active))
    return Text(N_("no disconnection reason code {code}: choose one of {codes}"), code=code or "—",
                codes=", ".join(active))


# The application's warnings, kept in the task's data in English (``app.translations.reread`` shows them)
READER_WARNINGS = (N_("{number}: segment {segment} has no reader"),
                   N_("{number}: segment {segment} belongs to {reader}"))


def _reader_warning(number: str, segment: str, reader: str | None) -> Text:
    if reader is None:
        return Text(READER_WARNINGS[0], number=number, segment=segment)
    return Text(READER_WARNINGS[1], number=number, segment=segment, reader=reader)


def _batch_limit(form: FormContext) -> int | None:
    """The diagram's ``max_customers`` on the apply task (none: no limit)."""
    value = form.properties.get("max_customers")
    if value is None:
        return None
    if not value.isdigit() or int(value) < 1:
        raise RuntimeActionError(f"the apply task's max_customers must be a whole number ≥ 1, not {value!r}")
    return int(value)


def validate_approval(form: FormContext, data: dict[str, Any]) -> dict[str, Any]:
    """M4.2: an opinion, and approve or send back."""
    opinion = str(data.get("opinion") or "").strip()
    decision = data.get("decision")
    errors: dict[str, str] = {}
    if not opinion:
        errors["opinion"] = Text(N_("the approver's opinion is required"))
    if decision not in DECISIONS:
        errors["decision"] = Text(N_("choose approve or send back"))
    if errors:
        raise FormInvalid(errors)
    return {"opinion": opinion, "decision": decision, "approver": form.actor.name}


def validate_issue(form: FormContext, data: dict[str, Any]) -> dict[str, Any]:
    """M4.3.2–3: every customer who paid meanwhile — as of this moment, not as of the approval —
    is either kept (with a reason) or cancelled out of the flow."""
    customers = list(form.task_data.get("customers") or [])
    planned = _date(form.task_data.get("planned_date"))
    if planned is not None and form.now.astimezone(BEIJING).date() < planned:
        raise FormInvalid({"planned_date": Text(N_("the customers were told the disconnection is on {date}: "
                                                   "issue the commands on or after that date"), date=planned)})
    keep, cancel = data.get("keep") or {}, data.get("cancel") or []
    if not isinstance(keep, dict) or not all(isinstance(r, str | None) for r in keep.values()):
        raise FormInvalid({"keep": Text(N_("keep maps customer numbers to the reason for keeping each"))})
    if not isinstance(cancel, list) or not all(isinstance(n, str) for n in cancel):
        raise FormInvalid({"cancel": Text(N_("cancel is a list of customer numbers"))})
    paid = paid_among(form.session, customers)
    errors: dict[str, str] = {}
    if not all(str(r or "").strip() for r in keep.values()):
        errors["keep"] = Text(N_("every customer kept in the flow needs a reason"))
    undecided = [n for n in paid if n not in keep and n not in cancel]
    if undecided:
        errors["cancel"] = Text(N_("decide for each customer who paid meanwhile (keep with a reason, or cancel): "
                                   "{numbers}"), numbers=", ".join(undecided))
    strangers = [n for n in [*keep, *cancel] if n not in paid]
    if strangers:
        errors["keep"] = Text(N_("only customers who paid meanwhile can be kept or cancelled: {numbers}"),
                               numbers=", ".join(strangers))
    if errors:
        raise FormInvalid(errors)
    return {"keep": {n: str(r).strip() for n, r in keep.items()}, "cancel": cancel, "executor": form.actor.name,
            "paid_meanwhile": paid, "to_disconnect": [n for n in customers if n not in cancel]}


def validate_send_to_archive(form: FormContext, data: dict[str, Any]) -> dict[str, Any]:
    """M4.3.7: sending on takes no data (the children's results are the process's, not the form's)."""
    return {"archived_by": form.actor.name}


def validate_archive_empty(form: FormContext, data: dict[str, Any]) -> dict[str, Any]:
    """M4.3.4: "No data — archive the flow?" — only OK goes on."""
    if data.get("archive") is not True:
        raise FormInvalid({"archive": Text(N_("confirm archiving the empty flow"))})
    return {"archive": True, "archived_by": form.actor.name}


def validate_manual_entry(form: FormContext, data: dict[str, Any]) -> dict[str, Any]:
    """M4.3.6: disconnection details typed by hand after the work on site."""
    disconnected = data.get("disconnected")
    errors: dict[str, str] = {}
    if not isinstance(disconnected, bool):
        errors["disconnected"] = Text(N_("say whether the customer was disconnected on site"))
    at = aware_time(data.get("disconnected_at")) if disconnected else None
    if disconnected and at is None:
        errors["disconnected_at"] = Text(N_("the disconnection time is required"))
    elif at is not None and (wrong := event_time_error(form, at, Text(N_("disconnection")))):
        errors["disconnected_at"] = wrong
    if errors:
        raise FormInvalid(errors)
    return {"disconnected": disconnected, "disconnected_at": at.isoformat() if at else None,
            "note": str(data.get("note") or "").strip(), "entered_by": form.actor.name}


# -- service tasks -----------------------------------------------------------------------------

def notify_customers(ctx: ServiceContext, customers: list[str], planned: str) -> dict[str, Any]:
    """M4.3.1: the advance notice, to every customer who subscribed to disconnection notices."""
    outcomes = {n: sms.notify_customer(ctx, n, "disconnection_notice", {"date": planned}) for n in customers}
    return {"notified": [n for n, o in outcomes.items() if o["sent"]],
            "not_notified": {n: o["reason"] for n, o in outcomes.items() if not o["sent"]}, "at": ctx.now.isoformat()}


def find_paid(ctx: ServiceContext, customers: list[str]) -> dict[str, Any]:
    """M4.3.3: the customers of the batch who owe nothing any more (shown when issuing)."""
    return {"paid": paid_among(ctx.session, customers)}


def paid_among(session: Session, customers: list[str]) -> list[str]:
    """The customers, of those given, who owe nothing now."""
    owing = customer_rows.owed_by_number(session, customers)
    return [n for n in customers if owing.get(n, 0) <= 0]


def still_owes(ctx: ServiceContext, customer_number: str) -> dict[str, Any]:
    """Checked again just before the trip, under the customer's row lock (a payment waits for this
    step, then finds the queued trip and cancels it): who paid meanwhile or became protected is
    not cut."""
    customer = customer_rows.existing(ctx.session, customer_number, lock=True)
    ctx.set_attribute("customer", customer.number)
    ctx.set_attribute("segment", customer.segment_code)
    return {"owes": customer.owed_cents > 0, "owed_cents": customer.owed_cents,
            "protected": customer.protected_kind is not None}


def record_disconnected(ctx: ServiceContext, customer_number: str, at: str, how: str) -> dict[str, Any]:
    """M4.3.5/6: the disconnection time is taken and the customer is "disconnected" at once, so the
    reconnection patrol sees them as soon as they pay."""
    customer = customer_rows.existing(ctx.session, customer_number)
    when = aware_time(at)
    if when is None:
        raise ValueError(f"disconnection time {at!r} is not an ISO-8601 time with a time zone")
    old = customer.power_status
    customer.power_status, customer.power_status_since = DISCONNECTED, when
    disconnection_rows.record(ctx.session.connection(), ctx.instance_id, customer_number, when, how)
    return {"customer": customer.number, "power_status": [old, DISCONNECTED], "disconnected_at": when.isoformat(),
            "how": how}


def archive(ctx: ServiceContext, batch_id: int | None = None,
            children: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """M4.3.7: archiving checks every customer's power status against the batch's outcome (a child
    terminated by an operator counts as not disconnected). The children's results are read by
    ``batch_id`` (the done message carries none since issue 14 item 9); versions deployed before
    pass them as ``children``."""
    if children is None:
        if batch_id is None:
            raise TypeError("archive needs the batch_id (or, from older versions, the children's results)")
        children = ctx.batch_results(batch_id)
    expected: dict[str, str] = {}
    for child in children:
        result, start = child.get("result") or {}, child.get("data") or {}
        expected[str(result.get("customer") or start.get("customer_number"))] = result.get("outcome", child["status"])
    status = customer_rows.power_status_by_number(ctx.session, expected)
    mismatched = [n for n, outcome in expected.items()
                  if (outcome == "disconnected") != (status.get(n) == DISCONNECTED)]
    return {"disconnected": sorted(n for n, o in expected.items() if o == "disconnected"),
            "not_disconnected": sorted(n for n, o in expected.items() if o != "disconnected"),
            "status_mismatch": mismatched, "checked": len(expected)}


def _date(value: Any) -> date | None:
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        return None


