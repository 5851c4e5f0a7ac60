"""What the instance pages and the instance JSON API share: reading the list's filters, the
reason an intervention needs, the operator actions themselves, and how values read."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from app.runtime.canonical import canonical_json
from app.runtime.errors import RuntimeActionError
from app.runtime.forms import FormInvalid
from app.runtime.reading.instance_detail import LARGEST_ID, instance_of_open_incident, possible_id
from app.web.api_common import MAX_PAGE_SIZE, int_arg
from app.web.auth import current_actor
from app.web.current import services
from app.web.i18n import gettext as _
from app.web.query_args import text_arg
from storage.instance_listing import SORTS, ListFilter
from storage.statuses import InstanceStatus

STATUSES = tuple(InstanceStatus)
STATUS_BADGES = {InstanceStatus.RUNNING: "", InstanceStatus.CREATED: "", InstanceStatus.INCIDENT: "bad",
                 InstanceStatus.SUSPENDED: "warn", InstanceStatus.COMPLETED: "ok", InstanceStatus.TERMINATED: "muted"}
LIFECYCLE = ("terminate", "suspend", "resume")
DEFAULT_PAGE_SIZE = 50
MAX_REASON = 2000
MAX_FILTER = 255
_YES, _NO = ("yes", "true", "1"), ("no", "false", "0")
EVENT_LABELS = {
    "instance.started": "Instance started", "instance.completed": "Instance completed",
    "instance.terminated": "Instance terminated", "instance.suspended": "Instance suspended",
    "instance.resumed": "Instance resumed", "element.ready": "Step ready", "element.waiting": "Waiting",
    "element.completed": "Step completed", "element.cancelled": "Step cancelled", "element.failed": "Step failed",
    "timer.fired": "Timer fired", "service.called": "Service called", "service.failed": "Service failed",
    "task.completed": "Task completed", "task.claimed": "Task claimed", "task.unclaimed": "Task released",
    "task.reassigned": "Task reassigned", "incident.opened": "Incident opened", "incident.retried": "Incident retried",
    "message.received": "Message received", "message.duplicate": "Duplicate message",
    "message.rejected": "Message rejected", "outbox.queued": "Queued to send", "attribute.set": "Attribute set",
    "children.created": "Child instances created",
}
# The English labels (translated by the catalogs) of the instance attributes the pages show.
ATTRIBUTE_LABELS = {"work_order": "Work order", "manual_order": "Manual order", "batch": "Batch",
                    "customer": "Customer number", "segment": "Segment"}


def list_query() -> tuple[ListFilter, int, int, str]:
    """The list's filters, page, size and sort from the query string; a 400 names a bad one."""
    text = {name: text_arg(name, MAX_FILTER)
            for name in ("process", "status", "work_order", "customer", "segment", "sort", "has_incident")}
    status, sort, incident = text["status"], text["sort"] or "newest", (text["has_incident"] or "").lower()
    if status is not None and status not in STATUSES:
        raise RuntimeActionError(f"status must be one of {', '.join(STATUSES)}, not {status[:20]!r}")
    if sort not in SORTS:
        raise RuntimeActionError(f"sort must be one of {', '.join(SORTS)}, not {sort[:20]!r}")
    if incident not in ("", *_YES, *_NO):
        raise RuntimeActionError(f"has_incident must be yes or no, not {incident[:20]!r}")
    parent = int_arg("parent", 0, high=LARGEST_ID)
    filters = ListFilter(
        process_id=text["process"], status=status, work_order=text["work_order"], customer=text["customer"],
        segment=text["segment"], has_incident=(incident in _YES) if incident else None, parent_id=parent or None)
    page = int_arg("page", 1, high=1_000_000)
    size = int_arg("size", DEFAULT_PAGE_SIZE, high=MAX_PAGE_SIZE)
    return filters, page, size, sort


def reason_from(value: Any) -> str:
    """The reason an intervention is recorded with: required text, at most MAX_REASON characters."""
    if not isinstance(value, str) or not value.strip():
        raise FormInvalid({"reason": _("A reason is required.")})
    if len(value) > MAX_REASON:
        raise FormInvalid({"reason": _("At most {n} characters.").format(n=MAX_REASON)})
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


def event_details(kind: str, data: dict[str, Any]) -> str:
    """One line saying what an event's data means to an operator (its raw JSON is in the API)."""
    if kind == "attribute.set":
        return f"{data.get('name')}: {data.get('old') or '—'} → {data.get('new') or '—'}"
    if kind in ("service.called", "service.failed"):
        return str(data.get("operator", "")) + (f" — {data['error']}" if data.get("error") else "")
    if kind in ("instance.suspended", "instance.resumed", "instance.terminated") and data.get("reason"):
        return str(data["reason"])
    if kind in ("task.claimed", "task.unclaimed", "task.reassigned"):
        return " → ".join(str(data[k]) for k in ("previous", "old", "by", "new") if data.get(k))
    if kind == "incident.opened":
        return str(data.get("error", ""))
    if kind == "task.completed":
        return _short(data.get("data") or {})
    if kind in ("message.received", "message.duplicate", "outbox.queued"):
        return str(data.get("name") or data.get("adapter") or "")
    if kind == "children.created":
        return ", ".join(f"#{child}" for child in data.get("instance_ids", [])[:10])
    return _short(data) if data else ""


def _short(value: Any, limit: int = 160) -> str:
    text = canonical_json(value)
    return text if len(text) <= limit else text[:limit - 1] + "…"
