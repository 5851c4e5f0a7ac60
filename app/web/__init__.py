"""The web layer (sign-in and the operators' pages come with the web-app issue)."""

from __future__ import annotations

from flask import Flask, jsonify
from flask.typing import ResponseReturnValue
from sqlalchemy import func, select
from werkzeug.exceptions import HTTPException

from app.runtime.errors import RuntimeActionError
from app.web import machine_api
from storage.models import Instance, ProcessVersion


def register_web(app: Flask) -> None:
    machine_api.register(app)

    @app.get("/healthz")
    def healthz() -> ResponseReturnValue:
        services = app.extensions["relayflow"]
        with services.db.reading() as session:
            processes = session.execute(select(func.count(ProcessVersion.id))).scalar_one()
            instances = session.execute(select(func.count(Instance.id))).scalar_one()
        return jsonify(status="ok", process_versions=processes, instances=instances), 200

    @app.get("/")
    def index() -> str:
        services = app.extensions["relayflow"]
        with services.db.reading() as session:
            rows = session.execute(
                select(Instance.status, func.count(Instance.id)).group_by(Instance.status)).all()
            versions = session.execute(
                select(ProcessVersion.process_id, func.max(ProcessVersion.version))
                .group_by(ProcessVersion.process_id).order_by(ProcessVersion.process_id)).all()
        counts = "".join(f"<li>{status}: {count}</li>" for status, count in rows) or "<li>no instances yet</li>"
        deployed = "".join(f"<li>{pid} v{v}</li>" for pid, v in versions) or "<li>nothing deployed</li>"
        return (
            "<!doctype html><title>relayflow</title><h1>relayflow</h1>"
            f"<h2>Deployed processes</h2><ul>{deployed}</ul><h2>Instances</h2><ul>{counts}</ul>"
            "<p>The operators' inbox arrives with the web-app work; the runtime and worker are running.</p>"
        )

    @app.errorhandler(RuntimeActionError)
    def refused(exc: RuntimeActionError) -> ResponseReturnValue:
        return jsonify(error=str(exc)), exc.status_code

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException) -> ResponseReturnValue:
        return jsonify(error=exc.description), exc.code or 500

    @app.errorhandler(Exception)
    def unexpected(exc: Exception) -> ResponseReturnValue:
        app.logger.exception("unhandled error")
        return jsonify(error="internal error; it has been logged"), 500
