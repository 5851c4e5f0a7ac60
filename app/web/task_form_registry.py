"""The explicit table of task forms, by the validator (or ``form`` property) a user task names.

The task chooses its form: nothing here knows a process id. A user task whose form is not in
this table still gets a page (its data, read-only, and a note that no form is installed);
``tests/web/test_task_forms.py`` fails for any user task in ``bpmn/`` without a form.
"""

from __future__ import annotations

from app.web import task_form_disconnection, task_form_on_site
from app.web.task_form_context import TaskView
from app.web.task_form_kinds import TaskForm

FORMS: dict[str, TaskForm] = {form.key: form for form in (*task_form_disconnection.FORMS, *task_form_on_site.FORMS)}


def form_for(view: TaskView) -> TaskForm | None:
    return FORMS.get(view.form_key or "")

# English labels (translated by the catalog) of what the pages name by key.
FIELD_LABELS = {
    "customers": "Customers", "reason": "Reason", "planned_date": "Planned disconnection date",
    "opinion": "Opinion", "decision": "Decision", "keep": "Kept customers", "cancel": "Customers who paid",
    "archive": "Archive", "disconnected": "Disconnected on site?", "disconnected_at": "Disconnection time",
    "reconnected_at": "Power restored at", "note": "Note",
}
OUTCOME_LABELS = {
    "disconnected": "Disconnected", "paid_before_trip": "Paid before the trip",
    "cancelled_paid": "Trip cancelled: paid",
    "not_disconnected": "Not disconnected", "protected": "Protected: not disconnected", "terminated": "Terminated",
}
HOW_LABELS = {"remote": "Remote", "on_site": "On site"}
