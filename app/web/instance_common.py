"""What the instance pages and the instance JSON API share: the reason an intervention needs,
the operator actions themselves, and how values read (the list's arguments are
``app.web.api_models.instances.InstanceListArgs``)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask_babel import gettext as _
from flask_babel import ngettext

from app.runtime.forms import FormInvalid
from app.runtime.reading.instance_detail import instance_of_open_incident, possible_id
from app.runtime.steps.lifecycle import DRAFT_DISCARDED
from app.translations import N_
from app.web.auth import current_actor
from app.web.current import services
from app.web.data_fields import field_rows
from app.web.formatting import local_time
from app.web.value_labels import actor_label
from storage.statuses import InstanceStatus

STATUSES = tuple(InstanceStatus)
STATUS_BADGES = {InstanceStatus.RUNNING: "", InstanceStatus.CREATED: "", InstanceStatus.INCIDENT: "bad",
                 InstanceStatus.SUSPENDED: "warn", InstanceStatus.COMPLETED: "ok", InstanceStatus.TERMINATED: "muted"}
LIFECYCLE = ("terminate", "suspend", "resume")
DEFAULT_PAGE_SIZE = 50
MAX_REASON = 2000
MAX_FILTER = 255
EVENT_LABELS = {
    "instance.started": N_("Instance started"), "instance.completed": N_("Instance completed"),
    "instance.terminated": N_("Instance terminated"), "instance.suspended": N_("Instance suspended"),
    "instance.resumed": N_("Instance resumed"),
    "instance.moved": N_("Moved to another version"),
    "element.ready": N_("Step ready"), "element.waiting": N_("Waiting"),
    "element.completed": N_("Step completed"), "element.cancelled": N_("Step cancelled"),
    "element.failed": N_("Step failed"), "timer.fired": N_("Timer fired"), "service.called": N_("Service called"),
    "service.failed": N_("Service failed"), "task.completed": N_("Task completed"), "task.claimed": N_("Task claimed"),
    "task.unclaimed": N_("Task released"), "task.reassigned": N_("Task reassigned"),
    "incident.opened": N_("Incident opened"), "incident.retried": N_("Incident retried"),
    "message.received": N_("Message received"), "message.duplicate": N_("Duplicate message"),
    "message.rejected": N_("Message rejected"), "outbox.queued": N_("Queued to send"),
    "attribute.set": N_("Attribute set"), "children.created": N_("Child instances created"),
}
# The English labels (translated by the catalogs) of the instance attributes the pages show.
ATTRIBUTE_LABELS = {"work_order": N_("Work order"), "manual_order": N_("Manual order"), "batch": N_("Batch"),
                    "customer": N_("Customer number"), "segment": N_("Segment"),
                    "cut_expected_at": N_("Cut expected at"), "cut_wait_reason": N_("Why the cut waits"),
                    "reason_code": N_("Reason code")}


def reason_from(value: Any) -> str:
    """The reason an intervention is recorded with: required text, at most MAX_REASON characters."""
    if not isinstance(value, str) or not value.strip():
        raise FormInvalid({"reason": _("A reason is required.")})
    if len(value) > MAX_REASON:
        raise FormInvalid({"reason": ngettext("At most {n} character.", "At most {n} characters.",
                                              MAX_REASON).format(n=MAX_REASON)})
    return value.strip()


def run_lifecycle(action: str, instance_id: int, reason: str) -> None:
    """Terminate, suspend or resume through the runtime (which checks the role and the status)."""
    runtime = services().runtime
    act = {"terminate": runtime.terminate, "suspend": runtime.suspend, "resume": runtime.resume}[action]
    act(possible_id(instance_id), reason, current_actor())


def retry(incident_id: int) -> int:
    """Retry the incident's instance through the runtime; returns the instance id."""
    with services().db.reading() as session:
        instance_id = instance_of_open_incident(session, incident_id)
    services().runtime.retry_incident(instance_id, current_actor())
    return instance_id


def iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def event_label(kind: str) -> str:
    return _(EVENT_LABELS.get(kind, kind))


def event_details(kind: str, data: dict[str, Any], actor: str = "", at: datetime | None = None) -> str:
    """One line saying what an event's data means to an operator, in words; the raw record (ids,
    operators, the data as stored) is the page's details toggle, and the JSON API's. The event's
    ``actor`` and time, for the events whose line names them (a discarded draft)."""
    if kind == "instance.terminated" and data.get("reason") == DRAFT_DISCARDED:
        return _("Draft discarded by {user} at {time}.").format(user=actor_label(actor), time=local_time(at))
    if kind == "attribute.set":
        name = str(data.get("name"))
        label = _(ATTRIBUTE_LABELS[name]) if name in ATTRIBUTE_LABELS else name
        return f"{label}: {data.get('old') or '—'} → {data.get('new') or '—'}"
    if kind in ("service.failed", "incident.opened"):
        return _("The step failed; the error is in the raw record.")
    if kind == "service.called":
        return ""
    if kind in ("instance.suspended", "instance.resumed", "instance.terminated") and data.get("reason"):
        return str(data["reason"])
    if kind in ("task.claimed", "task.unclaimed", "task.reassigned"):
        return " → ".join(actor_label(str(data[k])) for k in ("previous", "old", "by", "new") if data.get(k))
    if kind == "instance.moved":
        return f"v{data.get('from_version')} → v{data.get('to_version')}: {data.get('reason') or ''}"
    if kind == "task.completed":
        return "; ".join(f"{label}: {value}" for label, value in field_rows(data.get("data") or {}))
    if kind == "children.created":
        return ", ".join(f"#{child}" for child in data.get("instance_ids", [])[:10])
    return ""
