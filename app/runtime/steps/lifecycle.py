"""Operators' interventions in an instance from outside its flow: terminate (cascading to its
children), suspend, resume, and retry an incident — each with its role check and a reason."""

from __future__ import annotations

from sqlalchemy.orm import Session

from app.runtime import actions
from app.runtime.actors import Actor
from app.runtime.errors import Conflict, Forbidden, RuntimeActionError
from app.runtime.events import history
from app.runtime.events.history import NewEvent
from app.runtime.permissions import Permissions
from app.runtime.steps.core import StepRunner, parse_task_id, set_start_data, started_event
from app.runtime.steps.step import Step
from app.runtime.steps.unit import Unit
from storage import case_drafts, incident_rows, instance_rows
from storage.instance_rows import InstanceRow
from storage.statuses import ACTIVE_INSTANCE, InstanceStatus

# The reason a discarded draft's ``instance.terminated`` event records (the pages word it for people).
DRAFT_DISCARDED = "draft discarded by its author"


class LifecycleActions(StepRunner):
    permissions = Permissions()

    def terminate(self, instance_id: int, reason: str, actor: Actor) -> None:
        """End an instance and, in the same transaction, every child still active under it."""
        self.permissions.require(actor, self.permissions.lifecycle, "terminate an instance")
        reason = _require_reason(reason)
        with self.unit() as unit:
            row = self.require(unit.session, instance_id, *ACTIVE_INSTANCE)
            self._terminate_tree(unit, row, reason, actor)

    def discard_draft(self, instance_id: int, actor: Actor) -> None:
        """Its author ends a draft never sent on (issue 13 item 6): a termination whose reason says
        so, recorded like any other (who, when); the draft's row stays, so no count includes it."""
        with self.unit() as unit:
            row = self.require(unit.session, instance_id, *ACTIVE_INSTANCE)
            draft = case_drafts.open_draft(unit.session, instance_id)
            if draft is None:
                raise Conflict(f"instance {instance_id} is not a draft: it was sent on, or discarded already")
            if draft.author != actor.name:
                raise Forbidden(f"only its author {draft.author} may discard draft {instance_id}")
            self._terminate_tree(unit, row, DRAFT_DISCARDED, actor)
            case_drafts.mark_discarded(unit.session, instance_id, self.clock.now())

    def _terminate_tree(self, unit: Unit, row: InstanceRow, reason: str, actor: Actor) -> None:
        def act(step: Step) -> None:
            actions.terminate(step)
            row.status, row.status_reason, row.ended_at = InstanceStatus.TERMINATED, reason, self.clock.now()

        self.step(unit, row, actor, act)
        for release in self.termination_hooks:
            release(unit.session, row.id, reason, actor.name, self.clock.now())
        for child_id in instance_rows.active_children(unit.session.connection(), row.id):
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
            open_incident = incident_rows.has_open(unit.session.connection(), instance_id)
            row.status = InstanceStatus.INCIDENT if open_incident else InstanceStatus.RUNNING
            row.status_reason = None
            self._lifecycle_event(unit.session, row, "instance.resumed", reason, actor,
                                  previous=InstanceStatus.SUSPENDED)
            unit.save(row)
            if row.status == InstanceStatus.RUNNING:  # timers that fell due meanwhile, messages stored meanwhile
                self.step(unit, row, actor, actions.fire_due_timers, check_all_stored=True)

    def retry_incident(self, instance_id: int, actor: Actor) -> None:
        """Reset the failed task and run on; a new failure opens a new incident (or, outside any
        task, is reported to the operator with the incident left open)."""
        self.permissions.require(actor, self.permissions.retry, "retry an incident")
        with self.unit() as unit:
            row = self.require(unit.session, instance_id, InstanceStatus.INCIDENT)
            incidents = incident_rows.resolve_open(unit.session.connection(), instance_id, self.clock.now(),
                                                   actor.name)
            row.status = InstanceStatus.RUNNING

            never_started = row.revision == 0

            def act(step: Step) -> None:
                for incident in incidents:
                    step.record(NewEvent("incident.retried", incident.element_id, {"incident_id": incident.id}))
                    if incident.task_id:
                        actions.retry_failed_task(step, parse_task_id(incident.task_id))
                if never_started:
                    step.record(started_event(row))
                    set_start_data(row.start_data or {})(step)
                else:
                    actions.fire_due_timers(step)

            self.step(unit, row, actor, act, check_all_stored=True)

    def _lifecycle_event(self, session: Session, row: InstanceRow, kind: str, reason: str, actor: Actor,
                         previous: str) -> None:
        version = self.version(session, row.process_version_id)
        history.append_to_instance(session, row, [NewEvent(kind, None, {"reason": reason,
                                                                        "previous_status": previous})],
                                   actor=actor.name, at=self.clock.now(), deployment_id=version.deployment_id)


def _require_reason(reason: str) -> str:
    if not reason or not reason.strip():
        raise RuntimeActionError("a reason is required")
    return reason.strip()
