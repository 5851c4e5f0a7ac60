"""The draft page's words that its script shows (English msgids; the page passes them translated,
so the modeler speaks the reader's language without a catalog of its own)."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _

from app.translations import N_

TEXTS: dict[str, str] = {
    "group": N_("relayflow properties"),
    "none": N_("(none)"),
    "unknown": N_("unknown"),
    "operator": N_("Operator"),
    "chooseOperator": N_("What the service task calls: an operator of the handler table."),
    "unknownOperator": N_("This operator is not in the handler table: the check will refuse it."),
    "resultVariable": N_("Result variable"),
    "resultVariableHelp": N_("The process variable that holds what the operator returns."),
    "parameter": N_("Parameter"),
    "parameterUnknown": N_("The operator does not take this parameter."),
    "expressionHelp": N_("A Python expression over the process data."),
    "validator": N_("Validator"),
    "validatorHelp": N_("The named check of the task's form (M4: applications, approvals...)."),
    "form": N_("Form (JSON Schema)"),
    "formHelp": N_("The fields of the task's form as a JSON Schema object, for a task without a validator."),
    "formNotJson": N_("The form is not JSON"),
    "formNotObject": N_("The form must be a JSON object"),
    "dueIn": N_("Due in (due_in)"),
    "dueInHelp": N_("How long people have, as an ISO-8601 duration: PT4H, P1D, P1DT12H."),
    "maxCustomers": N_("Most customers (max_customers)"),
    "maxCustomersHelp": N_("The largest number of customers one batch may hold: a positive whole number."),
    "laneRole": N_("Role"),
    "laneRoleHelp": N_("Who does this lane's tasks: the people holding this role."),
    "laneNameIsRole": N_("No role chosen: the lane's name is read as the role. Choose the role here."),
    "timerHelp": N_("An ISO-8601 value such as PT2H (written quoted for the engine), or a variable's name."),
    "loopMaximum": N_("Loop maximum"),
    "loopMaximumHelp": N_("At most this many rounds: a positive whole number."),
    "loopCondition": N_("Loop while"),
    "message": N_("Message"),
    "messageHelp": N_("The message this step waits for or sends."),
    "messageName": N_("Message name"),
    "messageNameHelp": N_("The name senders use: renaming it renames it for every step that uses it."),
    "messageVariable": N_("Message variable"),
    "messageVariableHelp": N_("The process variable that receives the message's content."),
    "correlationProperty": N_("Correlation property"),
    "correlationPropertyHelp": N_("The message property that must match (a command id, say)."),
    "correlationExpression": N_("Correlation expression"),
    "condition": N_("Condition"),
    "conditionDefault": N_("This is the gateway's default flow: it is taken when no other condition holds."),
    "unsavedWarning": N_("The draft has changes that are not saved."),
    "failed": N_("The request failed."),
    "noRevision": N_("Not saved yet"),
    "revisionLine": N_("Revision {n}, saved by {author} at {at}"),
    "importWarnings": N_("Parts of the file the modeler does not know"),
    "noDecisionTable": N_("This file holds no decision table to edit"),
    "notShown": N_("This diagram cannot be shown (it is kept as it is)"),
    "saveFirst": N_("Save your changes before proposing."),
    "saved": N_("Saved as revision {n}. The check found no problem."),
    "savedWithProblems": N_("Saved as revision {n}, with {count} problem(s) listed below."),
    "stale": N_("Someone else saved this draft since you opened it. Reload to see their revision: "
                "your changes here are lost unless you copy them first."),
    "reload": N_("Reload"),
    "forbidden": N_("You may not save this draft."),
    "commentNeeded": N_("Write a comment for the approver."),
    "proposed": N_("Proposed for approval."),
    "cannotPropose": N_("A draft with errors cannot be proposed: fix the problems listed below."),
}
TIMER_LABELS: dict[str, str] = {
    "timeDuration": N_("Timer: wait for"),
    "timeCycle": N_("Timer: cycle"),
    "timeDate": N_("Timer: at"),
}


def modeler_texts() -> dict[str, Any]:
    """Every text of the page's script, in the reader's language."""
    return {**{key: _(text) for key, text in TEXTS.items()},
            "timer": {kind: _(text) for kind, text in TIMER_LABELS.items()}}
