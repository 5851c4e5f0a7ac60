"""Success messages that say what happened (issue 13 item 5): which case (its work order or batch,
its customers by number and name), what was done, and what happens next — read from the engine's
state after the step (``Runtime.whats_next``: open tasks with their lane, timers with their due
time, awaited messages, running children, the end), never written per form — with a link to the
case."""

from __future__ import annotations

from collections.abc import Callable

from flask import url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from markupsafe import Markup, escape

from app.runtime.reading.whats_next import Waiting, WhatsNext
from app.runtime.steps.lifecycle import DRAFT_DISCARDED
from app.web import current
from app.web.formatting import beijing_time, with_zone
from app.web.i18n import lane_label
from app.web.inbox_rows import task_label
from storage.customers import by_numbers
from storage.statuses import InstanceStatus

CUSTOMERS_NAMED = 3  # a batch's first customers by name; the rest as a count
ORDER_ATTRIBUTES = ("manual_order", "work_order")  # a manual order replaces the automatic one it follows


def case_message(instance_id: int, done: Callable[[str], str]) -> Markup:
    """``done(case)`` — what was done, naming the case — then what happens next and a link to the case."""
    services = current.services()
    with services.db.reading() as session:
        state = services.runtime.whats_next(session, instance_id)
        names = {number: customer.name for number, customer in
                 by_numbers(session, state.customers[:CUSTOMERS_NAMED]).items()}
    link = Markup('<a href="{url}" data-testid="case-link">{text}</a>').format(
        url=url_for("instances.detail_page", instance_id=instance_id), text=_("Open the case"))
    sentences = escape(_("{done} {next} {link}"))  # Chinese leaves no space between sentences
    return sentences.format(done=done(case_name(state, names)), next=next_steps(state), link=link)


def case_name(state: WhatsNext, names: dict[str, str]) -> str:
    """The case as operators call it: its work order, else its batch (as the inbox numbers it), and
    its customers — one by number and name, a batch's first few and how many in all."""
    order = next((state.attributes[key] for key in ORDER_ATTRIBUTES if state.attributes.get(key)), None)
    case = _("work order {number}").format(number=order) if order else \
        _("batch #{id}").format(id=state.parent_id or state.instance_id)
    if not state.customers:
        return case
    named = _listed([f"{number} {names.get(number, '')}".strip() for number in state.customers[:CUSTOMERS_NAMED]],
                    _("{before}, {after}"))
    if len(state.customers) == 1:
        return _("{case}, customer {customer}").format(case=case, customer=named)
    more = "…" if len(state.customers) > CUSTOMERS_NAMED else ""
    return ngettext("{case}, {n} customer ({customers}{more})", "{case}, {n} customers ({customers}{more})",
                    len(state.customers)).format(case=case, n=len(state.customers), customers=named, more=more)


def next_steps(state: WhatsNext) -> str:
    """What the case does next, in one sentence: each open task with its lane (and who holds it),
    each timer with its due time, each awaited message, the children still running, what this step
    queued to send — or that it has ended."""
    if state.ended:
        return _ended(state)
    parts = [_queued(adapter, count) for adapter, count in sorted(state.queued.items())]
    parts += [_task(task.element_id, task.name, task.lane_name, task.lane, task.claimed_by) for task in state.tasks]
    parts += [_("“{timer}” falls due at {time}").format(timer=_element(timer),
                                                        time=with_zone(beijing_time(timer.due, "MM-dd HH:mm")))
              for timer in state.timers if timer.due is not None]
    if state.children_running:
        parts.append(ngettext("{n} customer's own case is running", "{n} customers' own cases are running",
                              state.children_running).format(n=state.children_running))
    elif not state.tasks:
        parts += [_("waiting for “{what}”").format(what=_element(wait))
                  for wait in state.messages]
    if not parts:
        return _("Nothing waits in it now.")
    return _("Next: {steps}.").format(steps=_listed(parts, _("{before}; {after}")))


def _element(waiting: Waiting) -> str:
    """A timer's or a wait's name in the diagram, in the reader's language (its id, if it has none)."""
    name = waiting.name or waiting.element_id
    return _(name) if name else "?"


def _listed(items: list[str], pair: str) -> str:
    """Items joined as the reader's language joins them (``pair``: "{before}, {after}" → 「{before}、{after}」)."""
    text = items[0]
    for item in items[1:]:
        text = pair.format(before=text, after=item)
    return text


def _task(element_id: str, name: str | None, lane_name: str | None, lane: str | None, holder: str | None) -> str:
    task = task_label(element_id, name)
    lane_text = lane_label(lane_name, lane)
    if holder:
        return _("{lane} {user} does “{task}”").format(lane=lane_text, user=holder, task=task)
    return _("“{task}” waits for the {lane}").format(lane=lane_text, task=task)


def _queued(adapter: str, count: int) -> str:
    if adapter == "sms":
        return ngettext("{n} SMS queued to send", "{n} SMS queued to send", count).format(n=count)
    if adapter == "headend":
        return ngettext("{n} meter command queued", "{n} meter commands queued", count).format(n=count)
    return ngettext("{n} message queued for {to}", "{n} messages queued for {to}", count).format(n=count, to=adapter)


def _ended(state: WhatsNext) -> str:
    if state.status == InstanceStatus.COMPLETED:
        return _("The case is closed.")
    if state.status_reason == DRAFT_DISCARDED:
        return _("Nothing was sent, and no running case is left.")
    return _("The case was ended.")

