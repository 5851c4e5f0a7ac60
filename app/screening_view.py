"""The screening screen (M1.1, M1.2): counts per criterion, filters, one page at a time.

Screening is ``app.rules.screening.screen`` and each row is ``app.archive_reports.screening_row``,
as in ``screening_report``; but a screen over the whole archive must not load every customer:
the counts and filters run on the meter facts alone (a few columns), and only the customers of
the page shown are loaded.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.archive_reports import REPORT_FILTERS, find_segment, row_wanted, screening_row, screening_summary
from app.rules.screening import screen
from app.runtime.errors import RuntimeActionError
from storage.domain_models import Customer


@dataclass
class _Meter:
    """A customer's meter facts, as ``screen`` reads them."""

    voltage_class: str = ""
    ami_connected: bool = False
    channel_online: bool = False
    can_direct_close: bool = False
    relay_type: str = ""


# Screening a meter that fails everything lists every criterion with its reason.
CRITERIA: tuple[tuple[str, str], ...] = tuple((c.rule, c.reason) for c in screen(_Meter()).criteria)
_FACTS = select(Customer.number, Customer.auto_reconnect, Customer.voltage_class, Customer.ami_connected,
                Customer.channel_online, Customer.can_direct_close, Customer.relay_type).order_by(Customer.number)


def failing_rules(row: dict[str, Any]) -> list[str]:
    return [c["rule"] for c in row["criteria"] if not c["holds"]]


def _screened(session: Session, segment: str | None) -> list[dict[str, Any]]:
    """Number, flag, eligibility and failing criteria of every customer (of ``segment``), by number."""
    query = _FACTS if segment is None else _FACTS.where(Customer.segment_code == segment)
    screened = []
    for number, flagged, voltage, ami, online, direct, relay in session.execute(query):
        result = screen(_Meter(voltage, ami, online, direct, relay))
        screened.append({"number": number, "flagged": flagged, "eligible": result.eligible,
                         "failing": [c.rule for c in result.criteria if not c.holds]})
    return screened


def screening_page(session: Session, *, segment: str | None = None, only: str | None = None,
                   failing: str | None = None, page: int = 1, size: int = 50) -> dict[str, Any]:
    """One page of the screening report (rows as ``screening_row``), and counts over the whole
    segment (or archive).

    ``only`` is one of ``REPORT_FILTERS``; ``failing`` keeps the customers failing that M1.1
    criterion (``"M1.1.3"``...). ``summary`` counts total / eligible / flagged /
    flagged_but_ineligible, ``failing_counts`` how many fail each criterion, both before
    ``only`` and ``failing`` are applied; ``total`` is how many customers match all the filters.
    An unknown segment is ``NotFound``, an unknown filter or criterion a ``RuntimeActionError``.
    """
    if only is not None and only not in REPORT_FILTERS:
        raise RuntimeActionError(f"unknown filter {only!r}; use one of {', '.join(REPORT_FILTERS)}")
    if failing is not None and failing not in dict(CRITERIA):
        raise RuntimeActionError(f"unknown criterion {failing!r}; use one of {', '.join(dict(CRITERIA))}")
    if segment is not None:
        find_segment(session, segment)
    everyone = _screened(session, segment)
    failing_counts = {rule: 0 for rule, _reason in CRITERIA}
    for row in everyone:
        for rule in row["failing"]:
            failing_counts[rule] += 1
    matching = [row["number"] for row in everyone
                if row_wanted(row, only) and (failing is None or failing in row["failing"])]
    shown = matching[(page - 1) * size:page * size]
    customers = session.execute(select(Customer).where(Customer.number.in_(shown)).order_by(Customer.number))
    return {"summary": screening_summary(everyone), "failing_counts": failing_counts, "total": len(matching),
            "page": page, "size": size, "pages": max(1, -(-len(matching) // size)),
            "rows": [screening_row(customer) for customer in customers.scalars()]}
