"""Work-order numbers for service tasks, from the series the company configured."""

from __future__ import annotations

import logging
from collections.abc import Mapping

from app.rules.work_orders import Series, WorkOrderNumbersExhausted
from app.runtime.contract import ServiceContext
from storage.work_orders import take_next

log = logging.getLogger("relayflow.work_orders")


def allocate_number(ctx: ServiceContext, series: Mapping[str, Series], kind: str) -> str:
    """The next number of series ``kind``, taken in the step's transaction (gap-free, unique)."""
    if kind not in series:
        raise LookupError(f"no work-order series {kind!r}; configured: {', '.join(sorted(series))}")
    chosen = series[kind]
    try:
        return chosen.format(take_next(ctx.session.connection(), chosen.name))
    except WorkOrderNumbersExhausted:
        log.error("ALERT: %s", f"work-order series {chosen.name!r} is exhausted")
        raise
