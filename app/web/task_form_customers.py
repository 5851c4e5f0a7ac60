"""The customers a task's form shows: the application's search for customers in arrears (M4.1),
and the rows of the customers a batch names, with arrears, segment and its reader."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from flask_babel import gettext as _
from sqlalchemy.orm import Session

from app.web.formatting import yuan
from storage import customer_search, segments
from storage.customer_search import ArrearsRow

MAX_RESULTS = 200
MAX_ARREARS_YUAN = 10**9  # beyond any customer's debt, within the column's range


@dataclass(frozen=True)
class CustomerSearch:
    """The application form's search: by number (prefix), segment, reader and least arrears."""

    number: str = ""
    segment: str = ""
    reader: str = ""
    min_arrears: str = ""  # yuan, as typed

    @classmethod
    def from_inputs(cls, inputs: Mapping[str, str], default_reader: str) -> CustomerSearch:
        """The search the form sent; before any search, the reader is the signed-in person (M4.1)."""
        reader = inputs.get("find_reader", default_reader)
        return cls(number=inputs.get("find_number", "").strip(), segment=inputs.get("find_segment", "").strip(),
                   reader=reader.strip(), min_arrears=inputs.get("find_min_arrears", "").strip())

    def min_cents(self) -> tuple[int, str | None]:
        """The least arrears in cents (at least one cent: only customers in arrears), or an error."""
        if not self.min_arrears:
            return 1, None
        try:
            amount = Decimal(self.min_arrears)
        except InvalidOperation:
            amount = Decimal("NaN")
        if not amount.is_finite() or abs(amount) > MAX_ARREARS_YUAN:
            return 1, _("Least arrears must be an amount in yuan, such as 200 or 99.50.")
        return max(int(amount * 100), 1), None


def search_in_arrears(session: Session, search: CustomerSearch) -> tuple[list[dict[str, Any]], int, str | None]:
    """Connected customers in arrears matching the search, largest arrears first (at most
    ``MAX_RESULTS``), how many match in all, and an error about the search itself."""
    least, error = search.min_cents()
    rows, total = customer_search.in_arrears(session, least_cents=least, number=search.number, segment=search.segment,
                                             reader=search.reader, limit=MAX_RESULTS)
    return [_as_dict(row) for row in rows], total, error


def customer_rows(session: Session, numbers: Iterable[str]) -> list[dict[str, Any]]:
    """The customers named, in the order given; a number the archive does not know is marked so."""
    wanted = list(dict.fromkeys(numbers))
    found = {number: _as_dict(row) for number, row in customer_search.arrears_rows(session, wanted).items()}
    return [found.get(number, {"number": number, "unknown": True}) for number in wanted]


def segment_choices(session: Session) -> list[tuple[str, str | None]]:
    return segments.readers(session)


def _as_dict(row: ArrearsRow) -> dict[str, Any]:
    return {"number": row.number, "name": row.name, "address": row.address, "segment": row.segment_code,
            "reader": row.reader_username, "owed_cents": row.owed_cents, "owed": yuan(row.owed_cents),
            "overdue_since": row.overdue_since, "power_status": row.power_status,
            "power_status_since": row.power_status_since, "protected_kind": row.protected_kind,
            "protected_reason": row.protected_reason, "unknown": False}
