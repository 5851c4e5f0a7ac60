"""The operator's probes (issue 14 item 4): ``/healthz`` (the process is alive), ``/readyz`` (it
can serve: database reachable, migrations current, a worker heartbeat fresh) and ``/metrics``
(Prometheus' text format, ``app.metrics``). None needs a session; ``/metrics`` answers the
addresses in ``METRICS_ALLOW`` (default: this machine only) or a bearer ``METRICS_TOKEN``."""

from __future__ import annotations

import hmac
from datetime import timedelta
from typing import Any

from flask import Blueprint, Flask, Response, current_app, jsonify, request
from flask.typing import ResponseReturnValue

from app.metrics import DatabaseGauges, scrape
from app.web.current import services as current_services
from storage import leases, migrate

operations = Blueprint("operations", __name__)


def register(app: Flask) -> None:
    app.register_blueprint(operations)


@operations.get("/healthz")
def healthz() -> ResponseReturnValue:
    """Alive: answers without touching the database (a load balancer's liveness probe)."""
    return jsonify(status="ok"), 200


@operations.get("/readyz")
def readyz() -> ResponseReturnValue:
    """Ready to serve: 200, or 503 naming each check that failed."""
    checks: dict[str, Any] = {}
    services = current_services()
    try:
        with services.db.reading() as session:
            conn = session.connection()
            revision, freshest = migrate.revision_of(conn), leases.freshest_beat(conn)
    except Exception as exc:  # the database does not answer: say so, never a 500
        current_app.logger.warning("readyz: database unreachable: %s", exc)
        checks["database"] = {"ok": False, "error": type(exc).__name__}
        return jsonify(status="not ready", checks=checks), 503
    checks["database"] = {"ok": True}
    head = migrate.head_revision()
    checks["migrations"] = {"ok": revision == head, "current": revision, "head": head}
    limit = timedelta(seconds=float(current_app.config["READY_HEARTBEAT_SECONDS"]))
    age = (services.clock.now() - freshest).total_seconds() if freshest is not None else None
    checks["worker"] = {"ok": age is not None and age <= limit.total_seconds(), "heartbeat_age_seconds": age,
                        "limit_seconds": limit.total_seconds()}
    ready = all(check["ok"] for check in checks.values())
    return jsonify(status="ready" if ready else "not ready", checks=checks), 200 if ready else 503


@operations.get("/metrics")
def metrics() -> ResponseReturnValue:
    if not _may_scrape():
        return jsonify(error="metrics are open to the addresses in METRICS_ALLOW or a bearer METRICS_TOKEN"), 403
    services, config = current_services(), current_app.config
    gauges = DatabaseGauges(services.db, services.clock, timedelta(seconds=float(config["READY_HEARTBEAT_SECONDS"])))
    return Response(scrape(gauges), mimetype="text/plain; version=0.0.4; charset=utf-8")


def _may_scrape() -> bool:
    token = current_app.config.get("METRICS_TOKEN")
    scheme, _, given = request.headers.get("Authorization", "").partition(" ")
    if token and scheme.lower() == "bearer" and hmac.compare_digest(given.strip().encode(), str(token).encode()):
        return True
    allowed = [a.strip() for a in str(current_app.config["METRICS_ALLOW"] or "").split(",") if a.strip()]
    return request.remote_addr in allowed
