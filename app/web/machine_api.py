"""The machine-to-machine JSON API: callbacks from the AMI head-end and from billing.

``POST /api/headend/results`` takes one result (a JSON object) or a batch (a JSON list),
authenticated with ``Authorization: Bearer <HEADEND_TOKEN>``; ``POST /api/payments`` takes one
payment or a batch, with ``Authorization: Bearer <BILLING_TOKEN>``. Both are idempotent (result
id, payment id) and exempt from the browser's CSRF protection: the token is their credential.
"""

from __future__ import annotations

import hmac
from collections.abc import Callable
from typing import Any

from flask import Blueprint, Flask, current_app, jsonify, request
from flask.typing import ResponseReturnValue

from app.runtime.errors import RuntimeActionError
from handlers.callbacks import process_headend_result, process_payment

MAX_BATCH = 500

machine_api = Blueprint("machine_api", __name__, url_prefix="/api")


def register(app: Flask) -> None:
    app.register_blueprint(machine_api)


@machine_api.errorhandler(RuntimeActionError)
def refused(exc: RuntimeActionError) -> ResponseReturnValue:
    return jsonify(error=str(exc)), exc.status_code


Processor = Callable[[Any, Any], dict[str, Any]]


@machine_api.post("/headend/results")
def headend_results() -> ResponseReturnValue:
    return _callback("HEADEND_TOKEN", "head-end callbacks", "result_id", process_headend_result)


@machine_api.post("/payments")
def payments() -> ResponseReturnValue:
    return _callback("BILLING_TOKEN", "billing callbacks", "payment_id", process_payment)


def _callback(token_key: str, what: str, id_field: str, process: Processor) -> ResponseReturnValue:
    expected = current_app.config.get(token_key)
    if not expected:
        return jsonify(error=f"{what} are not configured"), 503
    if not _token_matches(str(expected)):
        return jsonify(error="a valid 'Authorization: Bearer <token>' header is required"), 401, {
            "WWW-Authenticate": 'Bearer realm="relayflow"'}
    body = request.get_json(silent=True)
    services = current_app.extensions["relayflow"]
    if isinstance(body, list):
        if len(body) > MAX_BATCH:
            return jsonify(error=f"a batch holds at most {MAX_BATCH} items; this one has {len(body)}"), 400
        return jsonify([_one_of_batch(services, item, id_field, process) for item in body]), 200
    if not isinstance(body, dict):
        return jsonify(error="the body must be a JSON object (one item) or a JSON list of items, "
                             "sent with Content-Type: application/json"), 400
    return jsonify(process(services, body)), 200


def _token_matches(expected: str) -> bool:
    scheme, _, given = request.headers.get("Authorization", "").partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(given.strip().encode(), expected.encode())


def _one_of_batch(services: Any, item: Any, id_field: str, process: Processor) -> dict[str, Any]:
    """One item of a batch: its outcome or its own error; the others go on regardless."""
    item_id = item.get(id_field) if isinstance(item, dict) else None
    try:
        return {"ok": True, **process(services, item)}
    except RuntimeActionError as exc:
        return {"ok": False, id_field: item_id, "status": exc.status_code, "error": str(exc)}
    except Exception:
        current_app.logger.exception("callback item %r failed", item_id)
        return {"ok": False, id_field: item_id, "status": 500, "error": "internal error; it has been logged"}
