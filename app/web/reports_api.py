"""``GET /api/reports``: the same reports as the page, as JSON (auditors, system administrators)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Flask, jsonify
from flask.typing import ResponseReturnValue

from app.audit.reports.breaches import BreachCounts, Breaches, restoration_breaches
from app.audit.reports.period import ReportPeriod, parse_period
from app.audit.reports.tables import DayCounts, FirstAttempt, PaymentCase, Reports, build_reports, check_segment
from app.rules.beijing import ZONE_NAME, beijing_date
from app.web.api_models.reports import Reports as ReportsAnswer
from app.web.api_models.reports import ReportsArgs
from app.web.api_operation import Reply, operation, read_query
from app.web.auth import requires
from app.web.current import services

api = Blueprint("reports_api", __name__)


def register(app: Flask) -> None:
    app.register_blueprint(api)


def current_period(args: ReportsArgs | None = None) -> ReportPeriod:
    """The period of the query string's ``from``, ``to`` (Beijing days) and ``segment``."""
    args = args or read_query(ReportsArgs)
    return parse_period(args.start, args.end, args.segment, beijing_date(services().clock.now()))


def current_reports(args: ReportsArgs | None = None, shown: int | None = None) -> Reports:
    """The reports for the query string's period, with the ``shown`` longest payment cases over
    24 hours and the ``shown`` first manual orders (None: all of them)."""
    period = current_period(args)
    with services().db.reading() as session:
        return build_reports(session, period, shown)


def current_breaches(period: ReportPeriod) -> Breaches:
    """The restoration clocks due in ``period``, breached as of now (issue 16 item 3)."""
    svc = services()
    with svc.db.reading() as session:
        check_segment(session, period)
        return restoration_breaches(session, period, svc.clock.now())


@api.get("/api/reports")
@requires("auditor", "sysadmin")
@operation("The auditor's reports for a period (auditors, system administrators)", query=ReportsArgs,
           replies={200: Reply("the reports", ReportsAnswer)})
def reports_json(query: ReportsArgs) -> ResponseReturnValue:
    reports = current_reports(query)
    return jsonify({**reports_document(reports), "restoration_breaches": breaches_document(
        current_breaches(reports.period))})


def reports_document(r: Reports) -> dict[str, Any]:
    payment = r.payment
    return {
        "period": {"from": str(r.period.start), "to": str(r.period.end), "segment": r.period.segment,
                   "time_zone": ZONE_NAME},
        "total": _counts(r.total),
        "per_day": [_counts(row) for row in r.per_day],
        "per_segment": [_counts(row) for row in r.per_segment],
        "daily": [_counts(row) for row in r.daily],
        "payment_to_reconnection": {
            "cases": payment.count, "median_hours": payment.median_hours, "p95_hours": payment.p95_hours,
            "percentile_method": "nearest-rank", "over_24h_count": payment.over_count,
            "over_24h": [_case(case) for case in payment.over], "without_payment": payment.without_payment},
        "first_attempt": {"total": _attempts(r.first_attempt_total),
                          "per_segment": [_attempts(row) for row in r.first_attempt]},
        "manual_orders": [{"order_no": o.order_no, "customer": o.customer, "segment": o.segment,
                           "opened_at": o.opened_at.isoformat(), "why": o.why, "sends": o.sends, "status": o.status,
                           "restored_at": o.restored_at.isoformat() if o.restored_at else None}
                          for o in r.manual_orders],
        "reason_codes": {
            "by_reason": [{"code": row.code, "cut": row.cut, "not_cut": row.not_cut} for row in r.reasons.by_reason],
            "by_cancelled_cut": [{"code": row.code, "not_cut": row.count, "causes": dict(sorted(row.causes.items()))}
                                 for row in r.reasons.by_cut_code]},
    }


def breaches_document(breaches: Breaches) -> dict[str, Any]:
    return {"total": _breach(breaches.total), "per_segment": [_breach(row) for row in breaches.per_segment],
            "per_month": [_breach(row) for row in breaches.per_month]}


def _breach(row: BreachCounts) -> dict[str, Any]:
    return {"key": row.key or None, "due": row.due, "met": row.met, "breached": row.breached,
            "breach_rate": row.rate}


def _counts(row: DayCounts) -> dict[str, Any]:
    return {"day": str(row.day) if row.day else None, "segment": row.segment or None,
            "disconnected_remote": row.disconnected_remote, "disconnected_on_site": row.disconnected_on_site,
            "reconnected_remote": row.reconnected_remote, "reconnected_on_site": row.reconnected_on_site,
            "manual_orders": row.manual_orders}


def _case(case: PaymentCase) -> dict[str, Any]:
    return {"order_no": case.order_no, "customer": case.customer, "segment": case.segment,
            "paid_at": case.paid_at.isoformat(), "restored_at": case.restored_at.isoformat(), "how": case.how,
            "hours": round(case.hours, 2)}


def _attempts(row: FirstAttempt) -> dict[str, Any]:
    return {"segment": row.segment or None, "concluded": row.concluded,
            "by_send": {str(n): count for n, count in sorted(row.by_send.items())},
            "all_failed": row.all_failed, "first_attempt_rate": row.rate}
