"""The auditor's reports page (issue 5 part 5): disconnections and reconnections per day and
segment, time from payment to reconnection, first-attempt success of remote reconnection and the
manual orders — tables, charts drawn here as inline SVG and CSS bars, each table as CSV. Read-only;
auditors and system administrators. The numbers come from ``app.audit.reports``; the JSON is ``reports_api``."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

from flask import Blueprint, Flask, Response, render_template, stream_with_context
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from app.audit.reports import csv_tables, payment
from app.audit.reports.period import ReportPeriod
from app.audit.reports.tables import (
    HOW_LABELS,
    ORDER_LABELS,
    OVER_HOURS,
    WHY_LABELS,
    DayCounts,
    Reports,
    check_segment,
    manual_orders,
)
from app.runtime.errors import NotFound
from app.translations import N_
from app.web import reports_api
from app.web.auth import requires
from app.web.current import services
from app.web.formatting import local_time
from app.web.query_args import url_with_args
from app.web.reports_api import current_breaches, current_period, current_reports

bp = Blueprint("reports", __name__)
ROLES = ("auditor", "sysadmin")
SHOWN_ROWS = 200  # the page lists this many of the longest cases and of the manual orders; the CSVs have them all
# labels of payment.BUCKET_HOURS' buckets (2, 6, 12, 24 h) and of the one over the last
BUCKET_LABELS = (N_("up to 2 h"), N_("2–6 h"), N_("6–12 h"), N_("12–24 h"), N_("over 24 h"))
CHART_HEIGHT, BAR_WIDTH, BAR_GAP = 160, 8, 6


def register(app: Flask) -> None:
    app.register_blueprint(bp)
    reports_api.register(app)


@bp.get("/reports")
@requires(*ROLES)
def page() -> ResponseReturnValue:
    reports = current_reports(shown=SHOWN_ROWS)
    breaches = current_breaches(reports.period)
    args = {"from": reports.period.start, "to": reports.period.end, "segment": reports.period.segment}

    def csv_url(name: str) -> str:
        return url_with_args(".csv_file", args, name=name)

    return render_template(
        "reports/page.html", r=reports, csv_url=csv_url, chart=day_chart(reports.per_day),
        buckets=duration_buckets(reports), breaches=breaches, breach_headers=csv_tables.BREACH_HEADERS,
        shown_cases=reports.payment.over[:SHOWN_ROWS], over_hours=OVER_HOURS,
        daily_headers=csv_tables.DAILY_HEADERS, payment_headers=csv_tables.PAYMENT_HEADERS,
        manual_headers=csv_tables.MANUAL_HEADERS, how_labels=HOW_LABELS, why_labels=WHY_LABELS,
        order_labels=ORDER_LABELS, local_time=local_time)


@bp.get("/reports/<name>.csv")
@requires(*ROLES)
def csv_file(name: str) -> ResponseReturnValue:
    if name not in csv_tables.NAMES:
        raise NotFound(_("No report named {name}; there are: {names}").format(
            name=name, names=", ".join(csv_tables.NAMES)))
    if name == csv_tables.BREACHES:
        period = current_period()
        body: str | Iterator[str] = csv_tables.breaches_csv(current_breaches(period), _)
    elif name in _STREAMED:
        period = current_period()
        with services().db.reading() as session:
            check_segment(session, period)
        body = stream_with_context(_STREAMED[name](period))
    else:
        reports = current_reports(shown=0)
        period = reports.period
        body = csv_tables.csv_document(reports, name, _)
    filename = "_".join([name, str(period.start), str(period.end), *([period.segment] if period.segment else [])])
    return Response(body, mimetype="text/csv", headers={
        "Content-Type": "text/csv; charset=utf-8", "Content-Disposition": f'attachment; filename="{filename}.csv"'})


def _payment_csv(period: ReportPeriod) -> Iterator[str]:
    """Every payment case, longest first, written as it is read (a whole period holds ~100,000)."""
    with services().db.reading() as session:
        yield from csv_tables.payment_csv(payment.cases(session, period), _)


def _manual_csv(period: ReportPeriod) -> Iterator[str]:
    """Every manual order, in the order they opened, written as it is read (a whole period holds ~30,000)."""
    with services().db.reading() as session:
        yield from csv_tables.manual_csv(manual_orders(session, period), _)


_STREAMED: dict[str, Callable[[ReportPeriod], Iterator[str]]] = {
    csv_tables.PAYMENT: _payment_csv, csv_tables.MANUAL: _manual_csv}


@dataclass(frozen=True)
class Bar:
    x: int
    y: int
    height: int
    value: int
    title: str


@dataclass(frozen=True)
class DayChart:
    width: int
    height: int
    disconnected: list[Bar]
    reconnected: list[Bar]
    top: int


def day_chart(per_day: list[DayCounts]) -> DayChart:
    """Two bars a day (disconnected, reconnected), scaled to the busiest day."""
    top = max([1, *(max(day.disconnected, day.reconnected) for day in per_day)])
    step = 2 * BAR_WIDTH + BAR_GAP

    def bar(index: int, offset: int, value: int, day: DayCounts) -> Bar:
        height = round(value / top * CHART_HEIGHT)
        return Bar(index * step + offset, CHART_HEIGHT - height, height, value, f"{day.day}: {value}")

    return DayChart(max(step * len(per_day), step), CHART_HEIGHT,
                    [bar(n, 0, day.disconnected, day) for n, day in enumerate(per_day)],
                    [bar(n, BAR_WIDTH, day.reconnected, day) for n, day in enumerate(per_day)], top)


def duration_buckets(reports: Reports) -> list[tuple[str, int, int]]:
    """(label, cases, percent of the longest bucket) of payment-to-reconnection times."""
    counts = reports.payment.buckets
    top = max([1, *counts])
    return [(label, count, round(count / top * 100)) for label, count in zip(BUCKET_LABELS, counts, strict=True)]
