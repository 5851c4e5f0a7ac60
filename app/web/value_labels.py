"""How the stored values the pages show read: the English label of each (``VALUE_LABELS[kind][value]``,
translated by the catalog when shown) and ``value_label``, the templates' way to show one; and
``actor_label``, the one way an actor (who did a step) is shown: a person by their username, the
machine's own components as people read them ("巡检（系统）", not ``system:patrol``)."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _

from app.translations import N_

VALUE_LABELS: dict[str, dict[str, str]] = {
    "power": {"connected": N_("Connected"), "disconnected": N_("Disconnected")},
    "notice": {"disconnection": N_("Disconnection notice"), "reconnection": N_("Reconnection notice"),
               "arrears": N_("Arrears reminder")},
    "sms_notice": {"disconnection_notice": N_("Disconnection notice"),
                   "disconnection_renotice": N_("Disconnection re-notice (shortly before the cut)"),
                   "reconnected": N_("Power restored"),
                   "arrears_reminder": N_("Arrears reminder"),
                   "reconnect_failed_reader": N_("Reconnect on site (to the reader)")},
    "sms_status": {"pending": N_("Waiting to be sent"), "sent": N_("Handed to the SMS gateway"),
                   "dead": N_("Sending failed"), "cancelled": N_("Cancelled")},
    "sms_state": {"queued": N_("Waiting to be sent"), "handed_over": N_("Handed to the SMS gateway"),
                  "submitted": N_("Submitted to the SMS centre, not yet delivered"), "delivered": N_("Delivered"),
                  "failed": N_("Not delivered"), "refused": N_("Refused by the SMS centre"),
                  "dead": N_("Sending failed"), "cancelled": N_("Cancelled")},
    "only": {"eligible": N_("Eligible"), "ineligible": N_("Not eligible"),
             "flagged_but_ineligible": N_("Flagged but not eligible")},
    "criterion": {"M1.1.1": N_("Low voltage"), "M1.1.2": N_("On the collection system"),
                  "M1.1.3": N_("Meter online"), "M1.1.4": N_("Closes directly")},
    "reason": {  # app.rules.screening's reasons
        "not a low-voltage customer": N_("Not a low-voltage customer"),
        "not connected to the collection system (AMI)": N_("Not connected to the collection system (AMI)"),
        "the collection system does not see the meter online":
            N_("The collection system does not see the meter online"),
        "the meter cannot close directly: it needs a button press on site (close-allowed only)":
            N_("The meter cannot close directly: it needs a button press on site (close-allowed only)"),
    },
    "process": {"disconnect": N_("Disconnection for arrears"), "disconnect_customer": N_("Disconnect one customer"),
                "reconnect": N_("Remote reconnection")},
    "instance_status": {"created": N_("Created"), "running": N_("Running"), "incident": N_("Incident"),
                        "suspended": N_("Suspended"), "completed": N_("Completed"), "terminated": N_("Terminated")},
    "draft_status": {"open": N_("Open"), "proposed": N_("Proposed"), "deployed": N_("Deployed"),
                     "withdrawn": N_("Withdrawn")},
    "rehearsal_status": {"queued": N_("Queued for the worker"), "running": N_("Running"), "done": N_("Done"),
                         "failed": N_("Failed")},
    "proposal_status": {"proposed": N_("Waiting for approval"), "approved": N_("Approved and deployed"),
                        "sent_back": N_("Sent back"), "withdrawn": N_("Withdrawn")},
    "command_status": {"queued": N_("Queued"), "sent": N_("Sent"), "accepted": N_("Accepted by the head-end"),
                       "executed": N_("Executed"), "failed": N_("Failed"), "expired": N_("Expired"),
                       "cancelled": N_("Cancelled"), "abandoned": N_("Abandoned (its process was ended)")},
    "action": {"trip": N_("Disconnect (trip)"), "direct_close": N_("Reconnect (direct close)"),
               "close_allowed": N_("Allow closing (close allowed)"), "protect_on": N_("Power-protect on"),
               "protect_off": N_("Power-protect off")},
    "relay_state": {"open": N_("Open (power off)"), "closed": N_("Closed (power on)")},
    "relay_type": {"internal": N_("Internal relay"), "external": N_("External relay")},
    "trigger": {"patrol": N_("Patrol"), "payment": N_("Payment"), "trip_result": N_("Disconnection result"),
                "trip_expired": N_("Disconnection expired")},
    "outcome": {"reconnected_remote": N_("Reconnected remotely"), "reconnected_on_site": N_("Reconnected on site")},
    "customer_class": {"household": N_("Household"), "non_household": N_("Non-household")},
    "reason_kind": {"disconnection": N_("Disconnection reasons"), "cancelled_cut": N_("Cancelled cuts")},
    "moratorium_kind": {"heat": N_("Heat alert"), "cold": N_("Cold alert"), "other": N_("Other")},
    "day_kind": {"working": N_("Working day"), "weekend": N_("Weekend"), "holiday": N_("Public holiday")},
    "day_type": {"working": N_("Working day"), "weekend": N_("Weekend"), "holiday": N_("Public holiday"),
                 "eve_of_holiday": N_("Day before a public holiday"), "unknown": N_("Not in the calendar")},
    "voltage": {"low": N_("Low voltage"), "high": N_("High voltage")},
    "protected": {"important": N_("Important customer"), "life_support": N_("Life support at home"),
                  "power_protect": N_("Power supply protection"), "medical": N_("Medical equipment at home")},
    "event": {
        "customer.flag_changed": N_("Auto-reconnect flag changed"),
        "customer.subscription_changed": N_("SMS subscription changed"),
        "customer.mobile_changed": N_("Mobile changed"),
        "customer.protection_changed": N_("Protection changed"), "payment.reversed": N_("Payment reversed"),
        "instance.started": N_("Process started"),
        "instance.ended": N_("Process ended"), "order.opened": N_("Reconnection order opened"),
        "order.closed": N_("Reconnection order closed"), "command.created": N_("Meter command issued"),
        "command.sent": N_("Meter command handed to the head-end"), "command.executed": N_("Meter command executed"),
        "payment.received": N_("Payment received"),
        "sms.queued": N_("SMS"), "sms.submitted": N_("SMS submitted to the SMS centre"),
        "sms.delivered": N_("SMS delivered"), "sms.failed": N_("SMS not delivered"),
        "sms.refused": N_("SMS refused by the SMS centre"), "case.step": N_("Case step"),
        "segment.reader_changed": N_("Reader changed"),
        "segment.reader_phone_changed": N_("Reader's mobile changed"),
        "cut.stop_set": N_("Global stop set"), "cut.stop_lifted": N_("Global stop lifted"),
        "cut.moratorium_set": N_("Moratorium set"), "cut.moratorium_lifted": N_("Moratorium lifted"),
        "calendar.day_changed": N_("Calendar day changed"), "calendar.seeded": N_("Calendar filled"),
        "reason_code.added": N_("Reason code added"), "reason_code.renamed": N_("Reason code renamed"),
        "reason_code.retired": N_("Reason code retired"), "reason_code.restored": N_("Reason code in use again"),
        "reason_code.cause_mapped": N_("Cancelled-cut cause mapped"),
    },
}


SYSTEM_PREFIX = "system:"  # app.runtime.actors.Actor.system's names
SYSTEM_ACTORS = {  # the components that act on their own (app.runtime, app.usecases)
    "patrol": N_("Patrol (system)"), "payment": N_("Payment (system)"),
    "trip_result": N_("Disconnection result (system)"), "trip_expired": N_("Disconnection timeout (system)"),
    "scheduler": N_("Timer (system)"), "runtime": N_("Process engine (system)"), "headend": N_("Head-end (system)"),
    "billing": N_("Billing (system)"), "outbox": N_("Sender (system)"), "children": N_("Child processes (system)"),
    "worker": N_("Background worker (system)"),
}


def actor_label(actor: str | None) -> str:
    """Who did it, as people read it: a username as it is, a system component by its name
    (``system:patrol`` → "Patrol (system)" / "巡检（系统）"); one this app does not name, as
    "System (its name)"."""
    if not actor:
        return ""
    if not actor.startswith(SYSTEM_PREFIX):
        return actor
    component = actor[len(SYSTEM_PREFIX):]
    known = SYSTEM_ACTORS.get(component)
    return _(known) if known else _("System ({name})").format(name=component)


def value_label(kind: str, value: Any) -> str:
    """The label of a stored value (``value_label("power", "connected")``); unknown values as they are."""
    english = VALUE_LABELS.get(kind, {}).get(str(value))
    return _(english) if english else ("" if value is None else str(value))
