"""The instances JSON API: what the process views show and do, for scripts (same role checks);
its models are ``app.web.api_models.instances``."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from flask import Blueprint, Flask, Response
from flask.typing import ResponseReturnValue

from app.runtime.reading.instance_detail import InstanceDetail, instance_detail, require_record
from app.runtime.reading.instance_diagram import diagram_of
from app.web.api_models import instances as models
from app.web.api_models.base import NoFields
from app.web.api_operation import Reply, operation
from app.web.auth import current_actor, requires
from app.web.current import services
from app.web.i18n import diagram_labels
from app.web.instance_common import iso, retry, run_lifecycle
from storage.instance_listing import InstanceSummary, list_instances
from storage.instance_records import EventRecord, IncidentRecord, OpenTask

bp = Blueprint("instances_api", __name__)
STATE = {200: Reply("the instance's new state", models.InstanceState)}


def register(app: Flask) -> None:
    app.register_blueprint(bp)


@bp.get("/api/instances")
@requires()
@operation("Process instances matching the filters, newest first, paged", query=models.InstanceListArgs,
           replies={200: Reply("one page", models.InstanceList)})
def list_json(query: models.InstanceListArgs) -> ResponseReturnValue:
    with services().db.reading() as session:
        found = list_instances(session, query.list_filter(), page=query.page, size=query.size, sort=query.sort,
                               viewer=current_actor().name)
    return {"items": [summary_json(row) for row in found.rows], "page": query.page, "size": query.size,
            "sort": query.sort, "total": found.total, "has_next": found.has_next}


@bp.get("/api/instances/<int:instance_id>")
@requires()
@operation("One instance: facts, attributes, parent and children, open tasks, incidents, recent history",
           query=models.InstanceArgs, replies={200: Reply("the instance", models.InstanceDetail)}, refuses=(404,))
def detail_json(instance_id: int, query: models.InstanceArgs) -> ResponseReturnValue:
    with services().db.reading() as session:
        detail = instance_detail(session, instance_id, history_last=max(query.history, 1))
    return detail_to_json(detail, query.history)


@bp.get("/api/instances/<int:instance_id>/diagram")
@requires()
@operation("The BPMN XML the instance's version was deployed with, and the element ids to highlight",
           query=models.DiagramArgs, refuses=(404,), replies={200: Reply(
               "the diagram", models.InstanceDiagram, also={"application/xml": {"type": "string"}})})
def diagram_json(instance_id: int, query: models.DiagramArgs) -> ResponseReturnValue:
    """The deployed BPMN XML of the instance's version and the ids to highlight on it;
    ``?format=xml`` gives the XML alone."""
    with services().db.reading() as session:
        record = require_record(session, instance_id)
        diagram = diagram_of(session, record)
    xml = diagram_labels(diagram.xml, query.labels)
    if query.format == "xml":
        return Response(xml, mimetype="application/xml")
    return {"instance_id": record.id, "process_id": record.process_id, "version": record.version,
            "deployment_id": record.deployment_id, "file": diagram.file_name, "status": record.status,
            "xml": xml, "highlights": asdict(diagram.highlights)}


@bp.post("/api/instances/<int:instance_id>/terminate", defaults={"action": "terminate"})
@bp.post("/api/instances/<int:instance_id>/suspend", defaults={"action": "suspend"})
@bp.post("/api/instances/<int:instance_id>/resume", defaults={"action": "resume"})
@requires("sysadmin")
@operation("{Action} an instance, with a reason (system administrators)", body=models.Reason, replies=STATE,
           description="Terminating an instance ends every active child too.", refuses=(404, 409, 422))
def lifecycle_json(instance_id: int, action: str, body: models.Reason) -> ResponseReturnValue:
    run_lifecycle(action, instance_id, body.reason)
    return instance_state(instance_id)


@bp.post("/api/incidents/<int:incident_id>/retry")
@requires("executor", "sysadmin")
@operation("Retry the failed step of an open incident (executors, system administrators); no body needed",
           body=NoFields, body_required=False, refuses=(404, 409, 422), replies={200: Reply(
               "the instance's state after the retry (a new failure opens a new incident)", models.InstanceState)})
def retry_json(incident_id: int, body: NoFields) -> ResponseReturnValue:
    return instance_state(retry(incident_id))


def instance_state(instance_id: int) -> dict[str, Any]:
    """The instance after an intervention: its status, reason and open incidents."""
    with services().db.reading() as session:
        detail = instance_detail(session, instance_id, history_last=1, children_shown=0)
    record = detail.record
    return {"id": record.id, "status": record.status, "status_reason": record.status_reason,
            "open_incidents": [incident_json(i) for i in detail.open_incidents]}


def summary_json(row: InstanceSummary) -> dict[str, Any]:
    return {"id": row.id, "process_id": row.process_id, "process_name": row.process_name, "version": row.version,
            "status": row.status, "started_by": row.started_by, "created_at": iso(row.created_at),
            "updated_at": iso(row.updated_at), "ended_at": iso(row.ended_at), "parent_id": row.parent_id,
            "open_tasks": row.open_tasks, "has_incident": row.has_incident, "attributes": row.attributes,
            "url": f"/instances/{row.id}"}


def task_json(task: OpenTask) -> dict[str, Any]:
    return {"id": task.id, "element_id": task.element_id, "name": task.name, "lane": task.lane,
            "lane_name": task.lane_name,
            "claimed_by": task.claimed_by, "created_at": iso(task.created_at), "url": f"/tasks/{task.id}"}


def incident_json(incident: IncidentRecord) -> dict[str, Any]:
    return {"id": incident.id, "element_id": incident.element_id, "error": incident.error,
            "created_at": iso(incident.created_at), "resolved_at": iso(incident.resolved_at),
            "resolved_by": incident.resolved_by, "open": incident.open,
            "retry": f"/api/incidents/{incident.id}/retry" if incident.open else None}


def event_json(event: EventRecord) -> dict[str, Any]:
    return {"seq": event.seq, "type": event.type, "element_id": event.element_id, "actor": event.actor,
            "at": iso(event.at), "data": event.data}


def detail_to_json(detail: InstanceDetail, history_shown: int) -> dict[str, Any]:
    record = detail.record
    events = detail.history[-history_shown:] if history_shown else []
    return {
        "id": record.id, "process_id": record.process_id, "process_name": record.process_name,
        "version": record.version, "deployment_id": record.deployment_id, "status": record.status,
        "status_reason": record.status_reason, "started_by": record.started_by,
        "created_at": iso(record.created_at), "updated_at": iso(record.updated_at), "ended_at": iso(record.ended_at),
        "next_wake_at": iso(record.next_wake_at), "start_data": record.start_data, "result": record.result,
        "attributes": detail.attributes,
        "parent": {"id": record.parent_id, "process_id": record.parent_process_id,
                   "url": f"/instances/{record.parent_id}"} if record.parent_id else None,
        "children": {"total": detail.children_total, "by_status": detail.children_by_status,
                     "first": [summary_json(child) for child in detail.children],
                     "all": f"/api/instances?parent={record.id}"},
        "tasks": [task_json(task) for task in detail.tasks],
        "incidents": [incident_json(incident) for incident in detail.incidents],
        "history": {"total": detail.history_total, "shown": len(events),
                    "last_at": iso(detail.history[-1].at) if detail.history else None,
                    "events": [event_json(event) for event in events]},
        "diagram": f"/api/instances/{record.id}/diagram",
    }
