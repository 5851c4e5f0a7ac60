"""The machine-to-machine JSON API: callbacks from the AMI head-end and from billing.

``POST /api/headend/results`` takes one result (a JSON object) or a batch (a JSON list),
authenticated with ``Authorization: Bearer <HEADEND_TOKEN>``; ``POST /api/payments`` takes one
payment or a batch, and ``POST /api/payments/reversals`` one reversal of a payment or a batch, with
``Authorization: Bearer <BILLING_TOKEN>``. All are idempotent (result id, payment id) and exempt
from the browser's CSRF protection: the token is their credential. A body refused whole (not
JSON, nested too deep, too large a batch) is a 400 recorded in the endpoint's history stream like
an item's own refusal; a fault is a 500, logged (issue 10 item 19).
"""

from __future__ import annotations

import hmac
from typing import Any

from flask import Blueprint, Flask, current_app, jsonify, request
from flask.typing import ResponseReturnValue

from app.metrics import CALLBACK_ITEMS
from app.runtime.errors import RuntimeActionError
from app.usecases.inbound import HEADEND_RESULTS, PAYMENTS, REVERSALS, Inbound
from app.usecases.inbound_models import MAX_PAYMENT, WINDOW
from app.web.api_models.machine import (
    MAX_BATCH,
    MAX_DEPTH,
    HeadendResults,
    Payments,
    PaymentsAnswer,
    ResultsAnswer,
    Reversals,
    ReversalsAnswer,
)
from app.web.api_operation import Reply, operation
from app.web.current import services as current_services

NOT_JSON = "the body must be a JSON object (one item) or a JSON list of items, sent with Content-Type: application/json"
TOO_DEEP = f"the body nests arrays or objects deeper than {MAX_DEPTH} levels"

machine_api = Blueprint("machine_api", __name__, url_prefix="/api")


def register(app: Flask) -> None:
    app.register_blueprint(machine_api)


@machine_api.errorhandler(RuntimeActionError)
def refused(exc: RuntimeActionError) -> ResponseReturnValue:
    return jsonify(_refusal(exc)), exc.status_code


def _refusal(exc: RuntimeActionError) -> dict[str, Any]:
    """The error, and each field's problem when the item's model named them."""
    errors = getattr(exc, "errors", None)
    return {"error": str(exc), **({"errors": errors} if errors else {})}


DESCRIPTION = (
    f"One item (a JSON object) or a batch (a JSON list of at most {MAX_BATCH}); arrays and objects nested at most "
    f"{MAX_DEPTH} deep. Every item is recorded in the history, refused ones too, with the reason. A batch answers "
    "200 with one outcome per item, in order: {\"ok\": true, ...} or {\"ok\": false, \"status\": 4xx, \"error\": ...}, "
    "each item in its own savepoint, many items per transaction. "
    "No session, no CSRF token: the bearer token is the credential. Times: "
    f"{WINDOW}.")
REFUSALS = {
    400: "the body is not JSON, nests too deep or is too large a batch; or a field cannot be taken (a field the item "
         "does not have, too): the error starts with the field's name",
    401: "no bearer token, or the wrong one", 503: "this endpoint's token is not configured: it is closed"}


@machine_api.post("/headend/results")
@operation("Head-end callback: one result or a batch", description=DESCRIPTION, security="headendToken",
           body=HeadendResults, reads="view", replies={200: Reply(
               "the outcome (one result) or the outcomes (a batch)", ResultsAnswer)},
           refusals={**REFUSALS, 404: "command_id names no command we sent"})
def headend_results() -> ResponseReturnValue:
    return _callback("HEADEND_TOKEN", "head-end callbacks", HEADEND_RESULTS)


@machine_api.post("/payments")
@operation("Billing callback: one payment or a batch", description=DESCRIPTION, security="billingToken",
           body=Payments, reads="view", replies={200: Reply(
               f"the outcome (one payment; at most {MAX_PAYMENT} yuan) or the outcomes (a batch)", PaymentsAnswer)},
           refusals={**REFUSALS, 404: "customer_number names no customer",
                     409: "this payment_id was received before with another customer_number, amount or paid_at "
                          "(the error names which)"})
def payments() -> ResponseReturnValue:
    return _callback("BILLING_TOKEN", "billing callbacks", PAYMENTS)


@machine_api.post("/payments/reversals")
@operation("Billing callback: one payment reversal (a bounced transfer) or a batch; the debt returns, nothing is cut "
           "or cancelled because of it (issue 16 item 5)", description=DESCRIPTION, security="billingToken",
           body=Reversals, reads="view", replies={200: Reply(
               "the outcome (one reversal) or the outcomes (a batch)", ReversalsAnswer)},
           refusals={**REFUSALS, 404: "payment_id names no payment we received",
                     409: "the payment was received for another customer_number"})
def payment_reversals() -> ResponseReturnValue:
    return _callback("BILLING_TOKEN", "billing callbacks", REVERSALS)


def _callback(token_key: str, what: str, inbound: Inbound) -> ResponseReturnValue:
    expected = current_app.config.get(token_key)
    if not expected:
        return jsonify(error=f"{what} are not configured"), 503
    if not _token_matches(str(expected)):
        return jsonify(error="a valid 'Authorization: Bearer <token>' header is required"), 401, {
            "WWW-Authenticate": 'Bearer realm="relayflow"'}
    runtime = current_services().runtime
    body, problem = _json_body()
    endpoint = request.path.rsplit("/", 1)[-1]  # the metrics' label: payments, reversals, results
    if problem is not None:
        inbound.refuse(runtime, request.get_data(), problem)
        CALLBACK_ITEMS.labels(endpoint, "refused").inc()
        return jsonify(error=problem), 400
    if isinstance(body, list):
        outcomes = list(zip(body, inbound.take_all(runtime, body), strict=True))
        for _item, outcome in outcomes:
            _count(endpoint, outcome)
        return jsonify([_item_answer(item, outcome, inbound) for item, outcome in outcomes]), 200
    try:
        answer = inbound.take(runtime, body)
    except Exception as exc:
        _count(endpoint, exc)
        raise
    _count(endpoint, answer)
    return jsonify(answer), 200


def _count(endpoint: str, outcome: dict[str, Any] | Exception) -> None:
    kind = "taken" if isinstance(outcome, dict) else "refused" if isinstance(outcome, RuntimeActionError) else "failed"
    CALLBACK_ITEMS.labels(endpoint, kind).inc()


def _json_body() -> tuple[Any, str | None]:
    """The request's JSON object or list, or why the request as a whole cannot be taken."""
    try:
        body = request.get_json(silent=True)
    except RecursionError:  # the parser's own limit; MAX_DEPTH below is the one that counts
        return None, TOO_DEEP
    if not isinstance(body, dict | list):
        return None, NOT_JSON
    if _deeper_than(body, MAX_DEPTH):
        return None, TOO_DEEP
    if isinstance(body, list) and len(body) > MAX_BATCH:
        return None, f"a batch holds at most {MAX_BATCH} items; this one has {len(body)}"
    return body, None


def _deeper_than(value: Any, limit: int) -> bool:
    """Whether ``value`` nests arrays/objects more than ``limit`` deep (walked level by level, so a
    deep value cannot exhaust the stack here or in whatever reads it later)."""
    layer, depth = [value], 0
    while layer := [item for item in layer if isinstance(item, dict | list)]:
        depth += 1
        if depth > limit:
            return True
        layer = [child for item in layer for child in (item.values() if isinstance(item, dict) else item)]
    return False


def _token_matches(expected: str) -> bool:
    scheme, _, given = request.headers.get("Authorization", "").partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(given.strip().encode(), expected.encode())


def _item_answer(item: Any, outcome: dict[str, Any] | Exception, inbound: Inbound) -> dict[str, Any]:
    """One item of a batch: its outcome or its own error; the others went on regardless."""
    if isinstance(outcome, dict):
        return {"ok": True, **outcome}
    item_id = item.get(inbound.id_field) if isinstance(item, dict) else None
    item_id = item_id if isinstance(item_id, str) else None  # echo an id, never a number or NaN back
    if isinstance(outcome, RuntimeActionError):
        return {"ok": False, inbound.id_field: item_id, "status": outcome.status_code, **_refusal(outcome)}
    return {"ok": False, inbound.id_field: item_id, "status": 500, "error": "internal error; it has been logged"}
