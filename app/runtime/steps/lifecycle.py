"""Operators' interventions in an instance from outside its flow: terminate (cascading to its
children), suspend, resume, and retry an incident — each with its role check and a reason."""

from __future__ import annotations

from SpiffWorkflow.bpmn import BpmnWorkflow
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.runtime.actors import Actor
from app.runtime.errors import RuntimeActionError
from app.runtime.events import history
from app.runtime.events.history import NewEvent
from app.runtime.permissions import Permissions
from app.runtime.steps.core import StepRunner, Unit, parse_task_id, set_start_data, started_event
from app.runtime.steps.step import Step
from storage.instance_rows import InstanceRow
from storage.models import Incident, Instance
from storage.statuses import ACTIVE_INSTANCE, InstanceStatus


class LifecycleActions(StepRunner):
    permissions = Permissions()

    def terminate(self, instance_id: int, reason: str, actor: Actor) -> None:
        """End an instance and, in the same transaction, every child still active under it."""
        self.permissions.require(actor, self.permissions.lifecycle, "terminate an instance")
        reason = _require_reason(reason)
        with self.unit() as unit:
            row = self.require(unit.session, instance_id, *ACTIVE_INSTANCE)
            self._terminate_tree(unit, row, reason, actor)

    def _terminate_tree(self, unit: Unit, row: InstanceRow, reason: str, actor: Actor) -> None:
        def act(workflow: BpmnWorkflow, _step: Step) -> None:
            workflow.cancel()
            row.status, row.status_reason, row.ended_at = InstanceStatus.TERMINATED, reason, self.clock.now()

        self.step(unit, row, actor, act)
        for release in self.termination_hooks:
            release(unit.session, row.id, reason, actor.name, self.clock.now())
        children = unit.session.execute(select(Instance.id).where(
            Instance.parent_id == row.id, Instance.status.in_(ACTIVE_INSTANCE)).order_by(Instance.id)).scalars().all()
        for child_id in children:
            child = self.lock(unit.session, child_id)
            if child is not None and child.status in ACTIVE_INSTANCE:
                self._terminate_tree(unit, child, f"parent terminated: {reason}", actor)

    def suspend(self, instance_id: int, reason: str, actor: Actor) -> None:
        self.permissions.require(actor, self.permissions.lifecycle, "suspend an instance")
        reason = _require_reason(reason)
        with self.unit() as unit:
            row = self.require(unit.session, instance_id, InstanceStatus.RUNNING, InstanceStatus.INCIDENT)
            self._lifecycle_event(unit.session, row, "instance.suspended", reason, actor, previous=row.status)
            row.status, row.status_reason = InstanceStatus.SUSPENDED, reason
            unit.save(row)

    def resume(self, instance_id: int, reason: str, actor: Actor) -> None:
        self.permissions.require(actor, self.permissions.lifecycle, "resume an instance")
        reason = _require_reason(reason)
        with self.unit() as unit:
            row = self.require(unit.session, instance_id, InstanceStatus.SUSPENDED)
            open_incident = unit.session.execute(select(Incident.id).where(
                Incident.instance_id == instance_id, Incident.resolved_at.is_(None)).limit(1)).first()
            row.status, row.status_reason = (InstanceStatus.INCIDENT if open_incident else InstanceStatus.RUNNING), None
            self._lifecycle_event(unit.session, row, "instance.resumed", reason, actor,
                                  previous=InstanceStatus.SUSPENDED)
            unit.save(row)
            if row.status == InstanceStatus.RUNNING:  # timers that fell due meanwhile, messages stored meanwhile
                self.step(unit, row, actor, refresh_timers, check_all_stored=True)

    def retry_incident(self, instance_id: int, actor: Actor) -> None:
        """Reset the failed task and run on; a new failure opens a new incident (or, outside any
        task, is reported to the operator with the incident left open)."""
        self.permissions.require(actor, self.permissions.retry, "retry an incident")
        with self.unit() as unit:
            row = self.require(unit.session, instance_id, InstanceStatus.INCIDENT)
            incidents = list(unit.session.execute(select(Incident).where(
                Incident.instance_id == instance_id, Incident.resolved_at.is_(None))).scalars())
            now = self.clock.now()
            for incident in incidents:
                incident.resolved_at, incident.resolved_by = now, actor.name
            row.status = InstanceStatus.RUNNING

            never_started = row.revision == 0

            def act(workflow: BpmnWorkflow, step: Step) -> None:
                for incident in incidents:
                    step.record(NewEvent("incident.retried", incident.element_id, {"incident_id": incident.id}))
                    if incident.task_id:
                        workflow.reset_from_task_id(parse_task_id(incident.task_id))
                if never_started:
                    step.record(started_event(row))
                    set_start_data(row.start_data or {})(workflow, step)
                else:
                    workflow.refresh_timers()

            self.step(unit, row, actor, act, check_all_stored=True)

    def _lifecycle_event(self, session: Session, row: InstanceRow, kind: str, reason: str, actor: Actor,
                         previous: str) -> None:
        version = self.version(session, row.process_version_id)
        history.append_to_instance(session, row, [NewEvent(kind, None, {"reason": reason,
                                                                        "previous_status": previous})],
                                   actor=actor.name, at=self.clock.now(), deployment_id=version.deployment_id)


def refresh_timers(workflow: BpmnWorkflow, _step: Step) -> None:
    workflow.refresh_timers()


def _require_reason(reason: str) -> str:
    if not reason or not reason.strip():
        raise RuntimeActionError("a reason is required")
    return reason.strip()
