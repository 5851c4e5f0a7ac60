"""Each report as a CSV table: UTF-8 with a byte-order mark (Excel then reads Chinese right),
times in Beijing time, headers and codes through the caller's ``translate`` (the page's language).
The payment cases (one row per reconnection) and the manual orders are written as they stream
from the database."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime
from typing import Any

from app.audit.reports.breaches import Breaches
from app.audit.reports.tables import (
    HOW_LABELS,
    ORDER_LABELS,
    OVER_HOURS,
    WHY_LABELS,
    ManualOrder,
    PaymentCase,
    Reports,
)
from app.rules.beijing import BEIJING
from app.translations import N_

PAYMENT, MANUAL, BREACHES = "payment_to_reconnection", "manual_orders", "restoration_breaches"
NAMES = ("daily", PAYMENT, "first_attempt", MANUAL, "reason_codes", BREACHES)
BOM = "\ufeff"
CHUNK_ROWS = 1000
Translate = Callable[[str], str]
# The column labels, in English (the page shows the same labels over its tables)
DAILY_HEADERS = [N_("Day"), N_("Segment"), N_("Disconnected remotely"), N_("Disconnected on site"),
                 N_("Reconnected remotely"), N_("Reconnected on site"), N_("Manual orders opened")]
PAYMENT_HEADERS = [N_("Work order"), N_("Customer number"), N_("Customer name"), N_("Segment"), N_("Paid at"),
                   N_("Power restored at"), N_("How"), N_("Hours"), N_("Over 24 h")]
REASON_HEADERS = [N_("Kind"), N_("Code"), N_("English label"), N_("Chinese label"), N_("Cut"), N_("Not cut"),
                  N_("Causes")]
BREACH_HEADERS = [N_("Per"), N_("Segment or month"), N_("Clocks due"), N_("Restored in time"),
                  N_("Breached"), N_("Breach rate")]
MANUAL_HEADERS = [N_("Manual order"), N_("Customer number"), N_("Customer name"), N_("Segment"), N_("Opened"),
                  N_("Why on site"), N_("Remote sends"), N_("Status"), N_("Power restored at")]


def csv_document(reports: Reports, name: str, translate: Translate) -> str:
    """The report ``name`` (``daily`` or ``first_attempt``) as CSV text, starting with the BOM."""
    headers, rows = TABLES[name](reports, translate)
    return "".join(_csv_chunks(headers, rows))


def payment_csv(cases: Iterable[PaymentCase], translate: Translate) -> Iterator[str]:
    """The payment cases (longest first) as CSV text, in chunks, the first starting with the BOM."""
    return _csv_chunks(_translated(translate, PAYMENT_HEADERS), (_payment_row(case, translate) for case in cases))


def manual_csv(orders: Iterable[ManualOrder], translate: Translate) -> Iterator[str]:
    """The manual orders (in the order they opened) as CSV text, in chunks, the first starting with the BOM."""
    return _csv_chunks(_translated(translate, MANUAL_HEADERS), (_manual_row(order, translate) for order in orders))


def breaches_csv(breaches: Breaches, translate: Translate) -> str:
    """The restoration clocks due in the period per segment, then per month, then in all."""
    rows = [[translate(per), counts.key or translate("All segments"), counts.due, counts.met, counts.breached,
             f"{counts.rate:.3f}"]
            for per, table in (("Segment", breaches.per_segment), ("Month", breaches.per_month))
            for counts in table]
    total = breaches.total
    rows.append([translate("Total"), "", total.due, total.met, total.breached, f"{total.rate:.3f}"])
    return "".join(_csv_chunks(_translated(translate, BREACH_HEADERS), rows))


def _csv_chunks(headers: list[str], rows: Iterable[list[Any]]) -> Iterator[str]:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    out.write(BOM)
    writer.writerow(headers)
    for n, row in enumerate(rows, 1):
        writer.writerow([_cell(value) for value in row])
        if n % CHUNK_ROWS == 0:
            yield out.getvalue()
            out.seek(0)
            out.truncate()
    yield out.getvalue()


def _translated(translate: Translate, headers: list[str]) -> list[str]:
    return [translate(header) for header in headers]


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.astimezone(BEIJING).strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, float):
        return f"{value:.2f}"
    return str(value)


def _daily(reports: Reports, translate: Translate) -> tuple[list[str], list[list[Any]]]:
    headers = _translated(translate, DAILY_HEADERS)
    return headers, [[row.day, row.segment, row.disconnected_remote, row.disconnected_on_site, row.reconnected_remote,
                      row.reconnected_on_site, row.manual_orders] for row in reports.daily]


def _payment_row(case: PaymentCase, translate: Translate) -> list[Any]:
    return [case.order_no, case.customer, case.customer_name, case.segment, case.paid_at, case.restored_at,
            translate(HOW_LABELS.get(case.how, case.how)), case.hours,
            translate("Yes" if case.hours > OVER_HOURS else "No")]


def _first_attempt(reports: Reports, translate: Translate) -> tuple[list[str], list[list[Any]]]:
    sends = reports.send_numbers
    headers = [*map(translate, ["Segment", "Automatic orders concluded"]),
               *[translate("Succeeded on send {n}").format(n=n) for n in sends],
               translate("All sends failed"), translate("First-attempt success rate")]
    rows = [*reports.first_attempt, reports.first_attempt_total]
    return headers, [[row.segment or translate("All segments"), row.concluded, *[row.by_send[n] for n in sends],
                      row.all_failed, f"{row.rate:.3f}"] for row in rows]


def _manual_row(order: ManualOrder, translate: Translate) -> list[Any]:
    return [order.order_no, order.customer, order.customer_name, order.segment, order.opened_at,
            translate(WHY_LABELS[order.why]), order.sends, translate(ORDER_LABELS.get(order.status, order.status)),
            order.restored_at]


def _reason_codes(reports: Reports, translate: Translate) -> tuple[list[str], list[list[Any]]]:
    """One row per disconnection reason code (cut, not cut), then per cancelled-cut code (not cut, its causes)."""
    reasons = reports.reasons

    def labels(kind: str, code: str) -> tuple[str, str]:
        return reasons.labels.get((kind, code), (translate("not coded"), translate("not coded")) if not code
                                  else (code, code))

    return _translated(translate, REASON_HEADERS), [
        *([translate("Disconnection reason"), row.code, *labels("disconnection", row.code), row.cut, row.not_cut, ""]
          for row in reasons.by_reason),
        *([translate("Cancelled cut"), row.code, *labels("cancelled_cut", row.code), "", row.count,
           " ".join(f"{cause or '—'}={n}" for cause, n in sorted(row.causes.items()))] for row in reasons.by_cut_code),
    ]


TABLES: dict[str, Callable[[Reports, Translate], tuple[list[str], list[list[Any]]]]] = {
    "daily": _daily, "first_attempt": _first_attempt, "reason_codes": _reason_codes}
