"""Service-task operators the runtime itself provides (generic: nothing about meters).

- ``relayflow.set_attributes``: every parameter becomes a searchable instance attribute.
- ``relayflow.start_children``: start one child instance of ``process`` per item of ``items``
  (each item is the child's start data); when all have ended the parent receives the
  message ``done_message`` with ``{"batch_id": ..., "results": [...]}`` in start order, delivered
  by the worker's next tick (``Runtime.recover``), not by the last child's step. With
  ``with_results=False`` the message is ``{"batch_id": ..., "size": N, "statuses": {status: count}}``
  and a handler reads the results by batch id (``ServiceContext.batch_results``): the parent's
  wake-up and state then do not grow with the batch.
"""

from __future__ import annotations

from typing import Any

from app.runtime.contract import Handler, ServiceContext

CHILDREN_DONE = "relayflow.children_done"


def set_attributes(ctx: ServiceContext, **attributes: object) -> dict[str, object]:
    """Every parameter becomes a searchable attribute of the instance (its name, its value)."""
    for name, value in attributes.items():
        ctx.set_attribute(name, value)
    return {"attributes": sorted(attributes)}


def start_children(
    ctx: ServiceContext, process: str, items: list[dict[str, Any]], done_message: str = CHILDREN_DONE,
    with_results: bool = True,
) -> dict[str, object]:
    """Start one child instance of ``process`` per item of ``items`` (its start data); the parent gets
    ``done_message`` when all have ended, with every child's result or (``with_results=False``) not."""
    if not isinstance(items, list) or not all(isinstance(item, dict) for item in items):
        raise TypeError("items must be a list of dicts (one start-data dict per child)")
    if not isinstance(with_results, bool):
        raise TypeError("with_results must be True or False")
    ctx.start_children(process, items, done_message, with_results=with_results)
    return {"process": process, "count": len(items)}


BUILTIN_OPERATIONS: dict[str, Handler] = {
    "relayflow.set_attributes": set_attributes,
    "relayflow.start_children": start_children,
}
