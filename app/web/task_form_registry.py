"""The explicit table of task forms, by the validator (or ``form`` property) a user task names;
a ``form`` property holding a JSON Schema is drawn by the generic "schema" form instead.

The task chooses its form: nothing here knows a process id. A user task whose form is not in
this table still gets a page (its data, read-only, and a note that no form is installed);
``tests/web/test_task_forms.py`` fails for any user task in ``bpmn/`` without a form.
"""

from __future__ import annotations

from app.translations import N_
from app.web import task_form_disconnection, task_form_on_site
from app.web.task_form_context import TaskView
from app.web.task_form_kinds import TaskForm
from app.web.task_form_schema import schema_form

FORMS: dict[str, TaskForm] = {form.key: form for form in (*task_form_disconnection.FORMS, *task_form_on_site.FORMS)}


def form_for(view: TaskView) -> TaskForm | None:
    """The form the diagram writes as a JSON Schema, else the installed form its ``form`` or
    ``validator`` names."""
    return schema_form(view) or FORMS.get(view.form_key or "")

# English labels (translated by the catalog) of what the pages name by key.
FIELD_LABELS = {
    "customers": N_("Customers to disconnect"), "reason": N_("Reason"),
    "planned_date": N_("Planned disconnection date"), "opinion": N_("Opinion"), "decision": N_("Decision"),
    "keep": N_("Kept customers"),
    "cancel": N_("Customers who paid"), "archive": N_("Archive"), "disconnected": N_("Disconnected on site?"),
    "disconnected_at": N_("Disconnection time"), "reconnected_at": N_("Power restored at"), "note": N_("Note"),
    "screening_reasons": N_("Why not remote (M1.1)"),
    "reader_warnings": N_("Warnings about readers' segments"), "applicant": N_("Applicant"),
    "approver": N_("Approver"), "executor": N_("Executor"), "entered_by": N_("Entered by"),
    "reconnected_by": N_("Reconnected by"), "archived_by": N_("Archived by"), "paid_meanwhile": N_("Paid meanwhile"),
    "to_disconnect": N_("To disconnect"),
}
OUTCOME_LABELS = {
    "disconnected": N_("Disconnected"), "paid_before_trip": N_("Paid before the trip"),
    "cancelled_paid": N_("Trip cancelled: paid"), "cancelled_protected": N_("Trip cancelled: protected"),
    "not_disconnected": N_("Not disconnected"), "protected": N_("Protected: not disconnected"),
    "terminated": N_("Terminated"),
}
HOW_LABELS = {"remote": N_("Remote"), "on_site": N_("On site")}
# Stored codes the task pages translate as they are (``_(c.status)``): the msgid is the code, which is
# what English shows. The codes not here show as stored in both languages.
STORED_WORDS = {
    "command_action": (N_("trip"), N_("direct_close")),
    "command_status": (N_("queued"), N_("sent"), N_("accepted"), N_("executed"), N_("failed"), N_("expired"),
                       N_("cancelled")),
    "protected": (N_("important"), N_("life_support"), N_("power_protect")),
    "instance_status": (N_("running"), N_("suspended"), N_("incident"), N_("completed"), N_("terminated")),
}
