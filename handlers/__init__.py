"""The explicit table of service-task operators and outbox adapters.

Every ``spiffworkflow:serviceTaskOperator`` in ``bpmn/`` must name an entry of ``HANDLERS``
(or one of the runtime's own ``relayflow.*`` operators); deployment refuses anything else.
Nothing registers itself on import: this table is the whole list.
"""

from __future__ import annotations

from app.runtime.outbox import OutboxAdapter
from app.runtime.services import Handler

HANDLERS: dict[str, Handler] = {}


def outbox_adapters() -> dict[str, OutboxAdapter]:
    """The adapters the outbox dispatcher may send through, by the name written on a row."""
    return {}
