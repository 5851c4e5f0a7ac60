"""The screening screen (M1.1, M1.2): counts per criterion, filters, one page at a time.

Screening is ``app.rules.screening.screen`` and each row is ``app.archive.lookups.screening_row``,
as in ``screening_report``. Over a whole archive (a million customers) the screen must not run
once per customer: it reads only a few meter facts, and the archive holds few distinct
combinations of them. So the database counts customers per combination (one GROUP BY), ``screen``
judges each combination once, and the page shown is the customers whose combination passes the
filters (one ordered, paged query; both in ``storage/customer_screening.py``). The rules stay in
``screen`` alone.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from app.archive.lookups import REPORT_FILTERS, UNKNOWN_FILTER, find_segment, row_wanted, screening_row
from app.rules.screening import screen
from app.runtime.errors import RuntimeActionError
from app.translations import N_, Text
from storage.customer_screening import FactsAndFlag, count_per_facts, page_with_facts
from storage.paging import page_count


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


def failing_rules(row: dict[str, Any]) -> list[str]:
    return [c["rule"] for c in row["criteria"] if not c["holds"]]


@dataclass(frozen=True)
class _Combination:
    """One combination of meter facts and flag, how many customers have it, and its screening."""

    facts: FactsAndFlag
    customers: int
    flagged: bool
    eligible: bool
    failing: tuple[str, ...]


def _combinations(session: Session, segment: str | None) -> list[_Combination]:
    combinations = []
    for facts, customers in count_per_facts(session, segment).items():
        result = screen(_Meter(facts.voltage_class, facts.ami_connected, facts.channel_online, facts.can_direct_close,
                               facts.relay_type))
        combinations.append(_Combination(facts, customers, bool(facts.auto_reconnect), result.eligible,
                                         tuple(c.rule for c in result.criteria if not c.holds)))
    return combinations


def _summary(combinations: list[_Combination]) -> dict[str, int]:
    return {
        "total": sum(c.customers for c in combinations),
        "eligible": sum(c.customers for c in combinations if c.eligible),
        "flagged": sum(c.customers for c in combinations if c.flagged),
        "flagged_but_ineligible": sum(c.customers for c in combinations if c.flagged and not c.eligible),
    }


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
        raise RuntimeActionError(Text(UNKNOWN_FILTER, only=repr(only), choices=", ".join(REPORT_FILTERS)))
    if failing is not None and failing not in dict(CRITERIA):
        raise RuntimeActionError(Text(N_("unknown criterion {failing}; use one of {choices}"), failing=repr(failing),
                                      choices=", ".join(dict(CRITERIA))))
    if segment is not None:
        find_segment(session, segment)
    combinations = _combinations(session, segment)
    failing_counts = {rule: sum(c.customers for c in combinations if rule in c.failing) for rule, _reason in CRITERIA}
    wanted = [c for c in combinations if (failing is None or failing in c.failing)
              and row_wanted({"eligible": c.eligible, "flagged": c.flagged}, only)]
    total = sum(c.customers for c in wanted)
    customers = page_with_facts(session, [c.facts for c in wanted], segment, limit=size, offset=(page - 1) * size)
    return {"summary": _summary(combinations), "failing_counts": failing_counts, "total": total,
            "page": page, "size": size, "pages": page_count(total, size),
            "rows": [screening_row(customer) for customer in customers]}
