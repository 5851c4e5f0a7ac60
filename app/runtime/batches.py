"""A batch of child instances as its parent sees it: every child's result, or only a count per status.

``relayflow.start_children`` with ``with_results=False`` leaves the results out of the parent's done
message (issue 14 item 9: the parent's wake-up and its state then cost the same for 10 children as
for 500); whatever needs them — a handler (``ServiceContext.batch_results``), a task's page —
reads them here, by batch id, from the children's own rows.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from app.runtime.errors import NotFound
from storage import step_statements as statements


def children_results(session: Session, batch_id: int) -> list[dict[str, Any]]:
    """Every child of the batch, in start order: its id, process, status, final ``result`` and start data."""
    return [{"instance_id": c.instance_id, "process_id": c.process_id, "status": c.status, "result": c.result,
             "data": c.start_data} for c in statements.batch_children(session.connection(), batch_id)]


def done_payload(session: Session, batch_id: int) -> dict[str, Any]:
    """What the parent receives when every child of the batch has ended."""
    batch = statements.batch(session.connection(), batch_id)
    if batch is None or batch.results_in_message:  # the message's original shape (a missing row: as it was)
        return {"batch_id": batch_id, "results": children_results(session, batch_id)}
    return {"batch_id": batch_id, "size": batch.size, "statuses": statements.batch_statuses(session.connection(),
                                                                                            batch_id)}


def results_for_parent(session: Session, batch_id: object, parent_id: int) -> list[dict[str, Any]]:
    """``children_results`` of a batch that ``parent_id`` started; NotFound for any other batch."""
    if isinstance(batch_id, bool) or not isinstance(batch_id, int):
        raise NotFound(f"{batch_id!r} is not a batch id")
    batch = statements.batch(session.connection(), batch_id)
    if batch is None or batch.parent_id != parent_id:
        raise NotFound(f"instance {parent_id} started no batch {batch_id}")
    return children_results(session, batch_id)
