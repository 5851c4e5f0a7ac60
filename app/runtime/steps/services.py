"""Service tasks: the explicit handler table, the context a handler gets, the script engine.

A handler is a plain function ``handler(ctx, **params) -> dict``. It never talks to the
outside world itself: it returns a result (recorded in the history, so an instance can be
replayed) and queues outside effects with ``ctx.send`` (outbox rows written in the step's
transaction, sent after commit). An exception from a handler becomes an incident.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from SpiffWorkflow.bpmn.exceptions import WorkflowTaskException
from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine
from SpiffWorkflow.task import Task
from sqlalchemy.orm import Session

from app.runtime import batches
from app.runtime.canonical import json_safe
from app.runtime.contract import Handler
from app.runtime.engine import decisions
from app.runtime.engine.expressions import RestrictedEnvironment
from app.runtime.events.history import NewEvent


@dataclass(frozen=True)
class OutboxItem:
    adapter: str
    payload: dict[str, Any]
    idempotency_key: str


@dataclass(frozen=True)
class ChildrenRequest:
    process_id: str
    items: list[dict[str, Any]]
    done_message: str
    with_results: bool = True  # the done message carries every child's result (else: by batch id)


@dataclass
class StepEffects:
    """What one step's handlers produced besides the engine state: outbox, attributes, children."""

    outbox: list[OutboxItem] = field(default_factory=list)
    attributes: dict[str, str | None] = field(default_factory=dict)
    children: list[ChildrenRequest] = field(default_factory=list)


class TaskServiceContext:
    """What a handler may use: ids for idempotency keys, the clock, the session, and the outbox.

    Effects are buffered and reach the step only if the handler returns normally.
    """

    def __init__(self, session: Session, now: datetime, instance_id: int, task: Task, operator: str) -> None:
        self.session = session
        self.now = now
        self.instance_id = instance_id
        self.task_id = str(task.id)
        self.element_id: str = task.task_spec.bpmn_id or task.task_spec.name
        self.operator = operator
        self._task = task
        self._effects = StepEffects()

    def send(self, adapter: str, payload: Mapping[str, Any], *, key: str | None = None) -> str:
        """Queue an outside effect; returns its idempotency key (stable across re-runs of this task)."""
        suffix = key if key is not None else str(len(self._effects.outbox))
        idempotency_key = f"{self.instance_id}:{self.task_id}:{suffix}"
        self._effects.outbox.append(OutboxItem(adapter, json_safe(dict(payload)), idempotency_key))
        return idempotency_key

    def set_attribute(self, name: str, value: object) -> None:
        """Set (or, with None, clear) a searchable business attribute of this instance."""
        self._effects.attributes[name] = None if value is None else str(value)

    def start_children(self, process_id: str, items: list[dict[str, Any]], done_message: str, *,
                       with_results: bool = True) -> None:
        self._effects.children.append(ChildrenRequest(process_id, json_safe(list(items)), done_message,
                                                      with_results))

    def batch_results(self, batch_id: int) -> list[dict[str, Any]]:
        """Every child's result of a batch this instance started, in start order."""
        return batches.results_for_parent(self.session, batch_id, self.instance_id)

    def decide(self, rule_task: str, data: Mapping[str, Any]) -> dict[str, Any]:
        """The outputs of the decision table the business-rule task ``rule_task`` calls, for ``data``."""
        return decisions.decide(self._task, rule_task, data)

    def merge_into(self, effects: StepEffects) -> None:
        effects.outbox.extend(self._effects.outbox)
        effects.attributes.update(self._effects.attributes)
        effects.children.extend(self._effects.children)


class StepScriptEngine(PythonScriptEngine):  # type: ignore[misc]  # the library is untyped
    """The one seam for behaviour: restricted expressions and ``call_service`` dispatch.

    Overriding ``call_service`` also avoids the library's broken error path (notes §2).
    """

    def __init__(
        self,
        environment: RestrictedEnvironment,
        handlers: Mapping[str, Handler],
        context_factory: Callable[[Task, str], TaskServiceContext],
        effects: StepEffects,
        record: Callable[[NewEvent], None],
    ) -> None:
        super().__init__(environment=environment)
        self.handlers = handlers
        self._context_factory = context_factory
        self._effects = effects
        self._record = record

    def call_service(self, task: Task, operation_name: str, operation_params: dict[str, dict[str, object]]) -> str:
        params = {name: spec["value"] for name, spec in operation_params.items()}
        element_id = task.task_spec.bpmn_id
        handler = self.handlers.get(operation_name)
        if handler is None:
            raise WorkflowTaskException(f"no handler registered for operator {operation_name!r}", task=task)
        ctx = self._context_factory(task, operation_name)
        try:
            result = json_safe(dict(handler(ctx, **params) or {}))
        except Exception as exc:
            self._record(NewEvent("service.failed", element_id, {
                "operator": operation_name, "params": json_safe(params), "error": f"{type(exc).__name__}: {exc}",
            }))
            raise WorkflowTaskException(f"{operation_name} failed: {exc}", task=task, exception=exc) from exc
        ctx.merge_into(self._effects)
        self._record(NewEvent("service.called", element_id, {
            "operator": operation_name, "params": json_safe(params), "result": result,
        }))
        return json.dumps(result)
