"""Who may run the runtime's operator actions. Lanes decide who does a user task (the diagram
owns that); these decide who may intervene in an instance from outside its flow."""

from __future__ import annotations

from dataclasses import dataclass, field

from SpiffWorkflow.bpmn.specs.bpmn_process_spec import BpmnProcessSpec
from SpiffWorkflow.bpmn.specs.mixins.events.start_event import StartEvent

from app.runtime.actors import Actor
from app.runtime.engine.lanes import lane_role
from app.runtime.errors import Forbidden
from app.translations import N_, Text


@dataclass(frozen=True)
class Permissions:
    lifecycle: frozenset[str] = field(default_factory=lambda: frozenset({"sysadmin"}))  # terminate/suspend/resume
    retry: frozenset[str] = field(default_factory=lambda: frozenset({"executor", "sysadmin"}))

    def require(self, actor: Actor, roles: frozenset[str], action: str) -> None:
        """System actors act for the runtime itself; people need one of ``roles``."""
        if actor.is_system or actor.roles & roles:
            return
        raise Forbidden(Text(N_("{actor} may not {action}: it needs the role {roles}"), actor=actor.name, action=action,
                         roles=" / ".join(sorted(roles))))


SYSTEM_ONLY = "system"


def require_may_start(spec: BpmnProcessSpec, actor: Actor) -> None:
    """Who may start a process is in its diagram: a start event with the property
    ``started_by = system`` is started by the runtime only (a child process, a patrol's work);
    a start event drawn in a lane, by that lane's role (or the system)."""
    starts = [ts for ts in spec.task_specs.values() if isinstance(ts, StartEvent)]
    if actor.is_system:
        return
    if any((getattr(ts, "extensions", None) or {}).get("properties", {}).get("started_by") == SYSTEM_ONLY
           for ts in starts):
        raise Forbidden(Text(N_("{process} is started by the system only (a child or scheduled process), "
                                "not by a person"), process=Text(spec.name or spec.bpmn_id)))
    roles = {role for role in (lane_role(ts) for ts in starts) if role}
    if roles and not actor.roles & roles:
        lanes = ", ".join(sorted({str(ts.lane) for ts in starts if ts.lane}))
        raise Forbidden(Text(N_("{actor} may not start {process}: its start is in the {lanes} lane, "
                                "for the role {roles}"), actor=actor.name, process=Text(spec.name or spec.bpmn_id),
                             lanes=lanes, roles=" / ".join(sorted(roles))))
