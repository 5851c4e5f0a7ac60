"""The facts behind the reports, each read from the table that holds it (the sources of truth):

- a **disconnection** is a ``disconnections`` record of a completed ``disconnect_customer``
  instance, written by the step that recorded the cut (the same time and ``how`` its result
  says): the head-end's report that the relay opened, or the time the executor entered after
  cutting on site;
- a **reconnection** is a ``reconnections`` row (the order); it is done remotely when its
  ``direct_close`` command in ``meter_commands`` executed with the relay closed (that command's
  ``executed_at`` is the time power came back) and on site when its outcome is
  ``reconnected_on_site`` (the time is the one the reader entered in the
  ``reconnection.record_reconnected`` call); the step that closes the order writes that time in
  ``reconnections.reconnected_at``;
- its **sends** are the instance's recorded ``headend.send_command`` calls (a busy meter is a send
  that made no command row — the diagram counts it as a failed send), counted in
  ``reconnections.sends`` by each call;
- the **payment** is the latest payment of the customer, received before the order opened, that
  left nothing owed (``owed_after_cents <= 0``): the one that cleared the arrears, kept on the
  order when it opens (``reconnections.clearing_payment_id`` and ``paid_at``;
  ``tests/web/report_oracle.py`` still looks it up, and the tests check the two agree).

The reports count these facts in the database (``storage/report_counts.py``, issue 14 item 8:
the same definitions as SQL). This module reads them one by one, from ``storage/report_facts.py``
(the period's rows, plus orders still open, narrow columns): what the counts are checked against
(``tests/web/report_walk.py``, ``benchmarks/reports.py``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from app.audit.reports.period import ReportPeriod
from storage import report_facts
from storage.report_facts import ON_SITE, REMOTE


@dataclass(frozen=True)
class Disconnection:
    instance_id: int
    customer: str
    segment: str
    at: datetime
    how: str  # "remote" or "on_site"


@dataclass(frozen=True)
class ReconnectionFact:
    id: int
    instance_id: int | None
    customer: str
    customer_name: str
    segment: str
    trigger: str
    status: str  # open, closed, abandoned
    outcome: str | None
    opened_at: datetime
    closed_at: datetime | None
    auto_order_no: str | None
    manual_order_no: str | None
    sends: int  # remote sends made (0 for an order that went straight to on-site work)
    restored_at: datetime | None  # when power came back (None: not reconnected)
    paid_at: datetime | None  # the payment that cleared the arrears (None: none found)

    @property
    def how(self) -> str | None:
        return {REMOTE: "remote", ON_SITE: "on_site"}.get(self.outcome or "")

    @property
    def automatic_concluded(self) -> bool:
        """An automatic order whose remote sends are over: reconnected remotely, or a manual order followed."""
        return self.auto_order_no is not None and (self.outcome == REMOTE or self.manual_order_no is not None)


def disconnections(session: Session, period: ReportPeriod) -> list[Disconnection]:
    """Customers disconnected during the period (by the disconnection's own time, Beijing days)."""
    return [Disconnection(row.instance_id, row.customer or "", row.segment or "", row.at, row.how or "remote")
            for row in report_facts.disconnections_between(session, period.utc_start, period.utc_end,
                                                           period.segment)]


def reconnections(session: Session, period: ReportPeriod) -> list[ReconnectionFact]:
    """Every reconnection order opened before the period ended and not closed before it began."""
    facts = []
    for row in report_facts.orders_overlapping(session, period.utc_start, period.utc_end, period.segment):
        restored = row.reconnected_at
        if restored is None and row.outcome in (REMOTE, ON_SITE):
            restored = row.closed_at  # a row without its detail (imported data): the order's close
        facts.append(ReconnectionFact(row.id, row.instance_id, row.customer, row.customer_name, row.segment,
                                      row.trigger, row.status, row.outcome, row.opened_at, row.closed_at,
                                      row.auto_order_no, row.manual_order_no, row.sends, restored, row.paid_at))
    return facts
