"""Who may run the runtime's operator actions. Lanes decide who does a user task (the diagram
owns that); these decide who may intervene in an instance from outside its flow."""

from __future__ import annotations

from dataclasses import dataclass, field

from SpiffWorkflow.bpmn.specs.bpmn_process_spec import BpmnProcessSpec
from SpiffWorkflow.bpmn.specs.mixins.events.start_event import StartEvent

from app.runtime.actors import Actor
from app.runtime.errors import Forbidden


@dataclass(frozen=True)
class Permissions:
    lifecycle: frozenset[str] = field(default_factory=lambda: frozenset({"sysadmin"}))  # terminate/suspend/resume
    retry: frozenset[str] = field(default_factory=lambda: frozenset({"executor", "sysadmin"}))

    def require(self, actor: Actor, roles: frozenset[str], action: str) -> None:
        """System actors act for the runtime itself; people need one of ``roles``."""
        if actor.is_system or actor.roles & roles:
            return
        raise Forbidden(f"{actor.name} may not {action}: it needs the role {' or '.join(sorted(roles))}")


def require_start_lane(spec: BpmnProcessSpec, actor: Actor) -> None:
    """A start event drawn in a lane may be started only by that lane's role (or the system)."""
    lanes = {ts.lane for ts in spec.task_specs.values() if isinstance(ts, StartEvent) and ts.lane}
    if lanes and not actor.is_system and not actor.roles & lanes:
        raise Forbidden(f"{actor.name} may not start {spec.name}: its start is in the {', '.join(sorted(lanes))} lane")
