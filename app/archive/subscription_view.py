"""The SMS subscription rates screen (M2.1): ``app.archive.lookups.subscription_rates`` per
segment, and the same figures over the whole archive."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from app.archive.lookups import rate, subscription_rates
from storage.domain_models import NOTICE_TYPES


def rates_with_total(session: Session) -> dict[str, Any]:
    """``{"segments": [...], "total": {...}}``: the per-segment rows and their sum (same fields,
    ``segment`` None), rates as fractions 0..1 with 3 decimals."""
    rows = subscription_rates(session)
    customers = sum(row["customers"] for row in rows)
    subscribed = {kind: sum(row["subscribed"][kind] for row in rows) for kind in NOTICE_TYPES}
    subscribed_any = sum(row["subscribed_any"] for row in rows)
    total = {"segment": None, "name": None, "customers": customers, "subscribed": subscribed,
             "rate": {kind: rate(count, customers) for kind, count in subscribed.items()},
             "subscribed_any": subscribed_any, "rate_any": rate(subscribed_any, customers)}
    return {"segments": rows, "total": total}
